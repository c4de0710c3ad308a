/** A name for a secret that can be logged and compared, but not turned back into it. */
import { createHash } from 'node:crypto';

/**
 * The first 16 characters of the secret's SHA-256 (base64url, 96 bits): stable across processes
 * (a session resumed by another worker keeps its name in spans and logs), and never the secret.
 */
export function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url').slice(0, 16);
}
