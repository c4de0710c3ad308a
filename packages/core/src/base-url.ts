/** The one check of a URL that request paths are appended to: the client's baseUrl, a login host. */
import { ConfigurationError } from './errors.js';

/**
 * Parses `text` as a base URL, or throws a {@link ConfigurationError}: it must be an absolute
 * http or https URL without a query or fragment (paths are appended to it as text, and a `?` or
 * `#` would swallow them, even an empty one) and without credentials (they would end up in logs).
 * Messages name the setting and never quote the URL, which may hold the credentials refused.
 *
 * @param text - the URL as configured
 * @param name - the setting's name, for the message
 * @param hint - a sentence added to every message, such as what the setting should look like
 * @returns the parsed URL
 */
export function checkBaseUrl(text: string, name = 'baseUrl', hint?: string): URL {
  const refuse = (problem: string): never => {
    throw new ConfigurationError(`${name} ${problem}${hint ? `; ${hint}` : ''}`);
  };
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    return refuse('must be an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse('must be an http or https URL');
  if (url.search || url.hash || text.includes('?') || text.includes('#')) refuse('must not have a query or fragment');
  if (url.username || url.password) refuse('must not carry credentials');
  return url;
}
