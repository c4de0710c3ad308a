/** What must never show in a log line, span, event or error message, and a scan for it. */

// A JWT, an HTTP credential, or a token a test made up (they all contain "oauth-token").
const PATTERNS: readonly RegExp[] = [/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/, /\b(Bearer|Basic) (?!\[REDACTED\])[\w.~+/=-]{4,}/, /oauth-token/];

const known = new Set<string>();

/** A secret (or a customer's text) the current test file handled: the scans look for it too. */
export function reportSecret(value: string | undefined): void {
  if (value && value.length >= 6) known.add(value);
}

/** What in `texts` looks like a secret or is one a test reported, as short descriptions. */
export function leaksIn(texts: readonly string[]): string[] {
  const leaks: string[] = [];
  for (const text of texts) {
    for (const pattern of PATTERNS) if (pattern.test(text)) leaks.push(`${pattern.source} in "${text.slice(0, 80)}"`);
    for (const secret of known)
      if (text.includes(secret)) leaks.push(`a reported secret (${secret.length} chars) in "${text.slice(0, 80)}"`);
  }
  return leaks;
}
