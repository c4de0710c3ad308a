/**
 * A fetch Response's body read as text up to a byte limit: a body over the limit is cancelled
 * (which frees its connection) instead of read on, so a peer that sends without end costs at most
 * the limit in memory. Kept small and local to the OAuth client: a shared bounded reader in core
 * may replace it.
 */

/** What {@link readTextWithin} read: the text, or why there is none. */
export type BoundedText =
  | { readonly kind: 'text'; readonly text: string }
  /** Over the limit, declared by Content-Length or counted as it came: the body was cancelled. */
  | { readonly kind: 'too-large' }
  /** Reading failed (a reset, a timeout): the error's name only, since a library's message may quote what it read. */
  | { readonly kind: 'failed'; readonly errorName: string };

/** Cancels without waiting: the cancel is under way at once, and a peer that never acknowledges it cannot hold the caller. */
function cancel(cancellable: { cancel(): Promise<void> }): void {
  cancellable.cancel().catch(() => undefined);
}

/** The body of `response` as UTF-8 text (a BOM dropped, as `response.text()` does), when it is at most `maxBytes` long. */
export async function readTextWithin(response: Response, maxBytes: number): Promise<BoundedText> {
  const { body } = response;
  if (!body) return { kind: 'text', text: '' };
  // A length declared over the limit is refused before a byte is read.
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    cancel(body);
    return { kind: 'too-large' };
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      bytes += read.value.byteLength;
      if (bytes > maxBytes) {
        cancel(reader);
        return { kind: 'too-large' };
      }
      chunks.push(read.value);
    }
  } catch (error) {
    cancel(reader);
    return { kind: 'failed', errorName: error instanceof Error ? error.name : 'error' };
  }
  return { kind: 'text', text: new TextDecoder().decode(Buffer.concat(chunks)) };
}
