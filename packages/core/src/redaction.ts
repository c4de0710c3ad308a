/**
 * The one redaction rule: what never leaves the process in a log line, a span, an event or an
 * error message. Secrets (credentials, tokens, JWTs, by property or query-parameter name, and by
 * their look inside free text) are always replaced; customer text (properties the API names, such
 * as a chat message's `body`) and a person's contact details (names, email addresses, phone
 * numbers) are replaced unless the user opts in, each with a switch of its own.
 */

/** What a hidden value is replaced with. */
export const REDACTED = '[REDACTED]';

/** What {@link Redaction} hides beyond the built-in secret names. */
export interface RedactionOptions {
  /**
   * More property or query-parameter names (case-insensitive) whose values are secret.
   * @default none: only the built-in names (authorization, cookie, token, secret, password, jwt, api key, signature, credential, assertion, session id)
   */
  readonly secretKeys?: readonly string[];
  /**
   * Property names whose values are customer text, such as chat messages.
   * @default none
   */
  readonly textKeys?: readonly string[];
  /**
   * Let customer text through. Secrets are redacted regardless. Default false.
   * @default `false`
   */
  readonly includeText?: boolean;
  /**
   * Property or query-parameter names (case-insensitive) whose values are a person's contact
   * details or identity: names, email addresses, phone numbers, custom fields about them. When
   * any are given, email addresses are also hidden by their look inside free text.
   * @default none
   */
  readonly contactKeys?: readonly string[];
  /**
   * Let contact details (the {@link RedactionOptions.contactKeys}, and email addresses in free text)
   * through. A switch of its own: letting customer text through ({@link RedactionOptions.includeText})
   * does not let contact details through, nor the other way round. Secrets are redacted regardless.
   * @default `false`
   */
  readonly includeContactDetails?: boolean;
}

// Names that carry credentials in the APIs we know and in most others: authorization, cookies,
// access/refresh/member-auth tokens, client secrets, passwords, JWTs, API keys, signatures.
const SECRET_NAME = /authorization|cookie|token|secret|passw(or)?d|jwt|api[-_]?key|signature|credential|assertion|session[-_]?id/i;
// A JWT (three base64url parts, the first a JSON header), also glued to a word ("x_eyJ…"); the
// lookbehind keeps the scan linear on long runs of "eyJ".
const JWT = /(?<![A-Za-z0-9-])eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*|(?<=_)eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g;
// An HTTP credential: the scheme, then a token-like value of 8 characters or more; a short word of
// lower-case letters only is prose ("Basic settings are invalid"), a long one is a token.
const HTTP_CREDENTIAL =
  /\b([Bb]earer|BEARER|[Bb]asic|BASIC|[Tt]oken|TOKEN|[Dd]igest|DIGEST)(\s+)(?![a-z]{1,15}(?![\w.~+/=-]))[\w.~+/=-]{8,}/g;
// An Authorization header line: whatever its scheme, the credential after it goes.
// (A credential is 6 characters or more and not a lower-case word: "Authorization: missing or malformed" is prose.)
const AUTHORIZATION_LINE = /\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?[A-Za-z][\w-]*\s+)(?![a-z]{1,15}(?![^\s"',;]))([^\s"',;]{6,})/gi;
const SCHEME = /^(bearer|basic|token|digest|negotiate)$/i;
// `name=value`, `name: value` or `"name":"value"` in free text (a query string, JSON, a header line).
// `https://` is a scheme, not a name; a bare value after ": " must look like a token (no prose word
// such as "expired" or "missing"), and an object or array value is left to value().
const NAMED_VALUE =
  /(["']?)([A-Za-z_][\w.-]{0,63})\1(\s*[:=]\s*)(?!\/\/)(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^"'&\s,;})\]{[][^"'&\s,;})\]]*))/g;
const PROSE_WORD = /^[A-Za-z]{1,15}$/;
// An email address: the lookbehind starts a match only where a local part starts (linear on long
// runs), and an alphabetic top-level domain keeps "pnpm@10.34.9" and "@scope/name" out.
const EMAIL = /(?<![\w.%+-])[\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}(?![\w-])/g;
// Bodies larger than this are not walked further: past it, whole values are hidden.
const MAX_NODES = 10_000;

/**
 * The one redaction rule: what never leaves the process in a log line, a span, an event or an
 * error message. Secrets (credentials, tokens, JWTs, by property or query-parameter name, and by
 * their look inside free text) are always replaced; customer text (the {@link RedactionOptions.textKeys})
 * is replaced unless {@link RedactionOptions.includeText} lets it through, and contact details
 * (the {@link RedactionOptions.contactKeys}) unless {@link RedactionOptions.includeContactDetails} does.
 */
export class Redaction {
  /** Whether customer text is let through (see {@link RedactionOptions.includeText}). */
  readonly includeText: boolean;
  /** Whether contact details are let through (see {@link RedactionOptions.includeContactDetails}). */
  readonly includeContactDetails: boolean;
  readonly #secretKeys: ReadonlySet<string>;
  // The customer text and contact names this rule hides (those let through are left out).
  readonly #hiddenKeys: ReadonlySet<string>;
  readonly #hidesEmails: boolean;
  // The events and the attempt span of one attempt ask for the same URL in turn: the last answer is kept.
  #lastUrl: { readonly raw: string; readonly redacted: string } | undefined;

  /**
   * Makes a rule that hides the built-in secret names plus those given.
   * @param options - the names to hide beyond the built-in secret names; none by default.
   */
  constructor(options: RedactionOptions = {}) {
    this.includeText = options.includeText === true;
    this.includeContactDetails = options.includeContactDetails === true;
    this.#secretKeys = new Set((options.secretKeys ?? []).map((k) => k.toLowerCase()));
    const hidden = [
      ...(this.includeText ? [] : (options.textKeys ?? [])),
      ...(this.includeContactDetails ? [] : (options.contactKeys ?? [])),
    ];
    this.#hiddenKeys = new Set(hidden.map((k) => k.toLowerCase()));
    this.#hidesEmails = !this.includeContactDetails && (options.contactKeys?.length ?? 0) > 0;
  }

  /** Whether property or query parameter `name` holds a secret: a built-in secret name or one of the {@link RedactionOptions.secretKeys}. */
  isSecretKey(name: string): boolean {
    return SECRET_NAME.test(name) || this.#secretKeys.has(name.toLowerCase());
  }

  /** Whether the value of property `name` must be hidden: a secret, or customer text or a contact detail without its opt-in. */
  hides(name: string): boolean {
    return this.isSecretKey(name) || this.#hiddenKeys.has(name.toLowerCase());
  }

  /**
   * Free text with JWTs, HTTP credentials and the values of hidden names (`access_token=…`,
   * `"memberAuthToken":"…"`, `"email":"…"`) replaced, and email addresses while contact details are hidden.
   */
  text(value: string): string {
    return (this.#hidesEmails && value.includes('@') ? value.replace(EMAIL, REDACTED) : value)
      .replace(JWT, REDACTED)
      .replace(AUTHORIZATION_LINE, `$1${REDACTED}`)
      .replace(HTTP_CREDENTIAL, `$1$2${REDACTED}`)
      .replace(
        NAMED_VALUE,
        (whole, quote: string, name: string, separator: string, doubleQuoted?: string, singleQuoted?: string, bare?: string) => {
          const found = doubleQuoted ?? singleQuoted ?? bare ?? '';
          if (found === REDACTED || SCHEME.test(found) || !this.hides(name)) return whole;
          // "invalid token: expired" is prose about a token, not one.
          if (bare !== undefined && separator.includes(':') && PROSE_WORD.test(bare)) return whole;
          const hidden = doubleQuoted !== undefined ? `"${REDACTED}"` : singleQuoted !== undefined ? `'${REDACTED}'` : REDACTED;
          return `${quote}${name}${quote}${separator}${hidden}`;
        },
      );
  }

  /** A URL without user info, with the values of secret query parameters replaced. */
  url(value: string): string {
    if (value !== this.#lastUrl?.raw) this.#lastUrl = { raw: value, redacted: this.#redactUrl(value) };
    return this.#lastUrl.redacted;
  }

  #redactUrl(value: string): string {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return this.text(value);
    }
    url.username = '';
    url.password = '';
    if (url.search) {
      for (const name of new Set(url.searchParams.keys())) if (this.hides(name)) url.searchParams.set(name, REDACTED);
    }
    return this.text(url.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED));
  }

  /** A deep copy of a JSON-like value with hidden properties replaced and text scrubbed (bigints as text, so that it serialises). */
  value(value: unknown): unknown {
    const budget = { nodes: 0 };
    return this.#value(value, 0, budget);
  }

  #value(value: unknown, depth: number, budget: { nodes: number }): unknown {
    if (++budget.nodes > MAX_NODES || depth > 32) return REDACTED;
    if (typeof value === 'string') return this.text(value);
    if (typeof value === 'bigint') return value.toString();
    if (typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) return value.map((item) => this.#value(item, depth + 1, budget));
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = this.hides(key) ? REDACTED : this.#value(item, depth + 1, budget);
    return copy;
  }
}

/** The rule with no API-specific names: secrets only. */
export const defaultRedaction = new Redaction();
