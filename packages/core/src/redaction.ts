/**
 * The one redaction rule: what never leaves the process in a log line, a span, an event or an
 * error message. Secrets (credentials, tokens, JWTs, by property or query-parameter name, and by
 * their look inside free text) are always replaced; customer text (properties the API names, such
 * as a chat message's `body`) is replaced unless the user opts in.
 */

export const REDACTED = '[REDACTED]';

export interface RedactionOptions {
  /** More property or query-parameter names (case-insensitive) whose values are secret. */
  readonly secretKeys?: readonly string[];
  /** Property names whose values are customer text, such as chat messages. */
  readonly textKeys?: readonly string[];
  /** Let customer text through. Secrets are redacted regardless. Default false. */
  readonly includeText?: boolean;
}

// Names that carry credentials in the APIs we know and in most others: authorization, cookies,
// access/refresh/member-auth tokens, client secrets, passwords, JWTs, API keys, signatures.
const SECRET_NAME = /authorization|cookie|token|secret|passw(or)?d|jwt|api[-_]?key|signature|credential|assertion|session[-_]?id/i;
// A JWT (three base64url parts, the first a JSON header) wherever it appears in text.
const JWT = /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g;
// An HTTP credential: the scheme, then a token-like value (at least 8 characters, not all lower-case
// letters, so that "Basic settings" stays prose).
const HTTP_CREDENTIAL = /\b(Bearer|bearer|BEARER|Basic|basic|BASIC)(\s+)(?![a-z]+(?![\w.~+/=-]))[\w.~+/=-]{8,}/g;
const SCHEME = /^(bearer|basic)$/i;
// `name=value`, `name: value` or `"name":"value"` in free text (a query string, JSON, a header line).
// (`https://` is a scheme, not a name.)
const NAMED_VALUE = /(["']?)([A-Za-z_][\w.-]{0,63})\1(\s*[:=]\s*)(?!\/\/)(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^"'&\s,;})\]]+))/g;

export class Redaction {
  readonly includeText: boolean;
  readonly #secretKeys: ReadonlySet<string>;
  readonly #textKeys: ReadonlySet<string>;
  // The events and the attempt span of one attempt ask for the same URL in turn: the last answer is kept.
  #lastUrl: { readonly raw: string; readonly redacted: string } | undefined;

  constructor(options: RedactionOptions = {}) {
    this.includeText = options.includeText === true;
    this.#secretKeys = new Set((options.secretKeys ?? []).map((k) => k.toLowerCase()));
    this.#textKeys = new Set((options.textKeys ?? []).map((k) => k.toLowerCase()));
  }

  isSecretKey(name: string): boolean {
    return SECRET_NAME.test(name) || this.#secretKeys.has(name.toLowerCase());
  }

  /** Whether the value of property `name` must be hidden: a secret, or customer text without the opt-in. */
  hides(name: string): boolean {
    return this.isSecretKey(name) || (!this.includeText && this.#textKeys.has(name.toLowerCase()));
  }

  /** Free text with JWTs, HTTP credentials and the values of hidden names (`access_token=…`, `"memberAuthToken":"…"`) replaced. */
  text(value: string): string {
    return value
      .replace(JWT, REDACTED)
      .replace(HTTP_CREDENTIAL, `$1$2${REDACTED}`)
      .replace(NAMED_VALUE, (whole, quote: string, name: string, separator: string, doubleQuoted?: string, singleQuoted?: string, bare?: string) => {
        const found = doubleQuoted ?? singleQuoted ?? bare ?? '';
        if (found === REDACTED || SCHEME.test(found) || !this.hides(name)) return whole;
        const hidden = doubleQuoted !== undefined ? `"${REDACTED}"` : singleQuoted !== undefined ? `'${REDACTED}'` : REDACTED;
        return `${quote}${name}${quote}${separator}${hidden}`;
      });
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
    // text() replaces the values of hidden query parameters too, and keeps `[REDACTED]` readable.
    return this.text(url.toString());
  }

  /** A deep copy of a JSON-like value with hidden properties replaced and text scrubbed. */
  value(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.text(value);
    if (typeof value !== 'object' || value === null) return value;
    if (depth > 32) return REDACTED;
    if (Array.isArray(value)) return value.map((item) => this.value(item, depth + 1));
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = this.hides(key) ? REDACTED : this.value(item, depth + 1);
    return copy;
  }
}

/** The rule with no API-specific names: secrets only. */
export const defaultRedaction = new Redaction();
