/**
 * How Genesys APIs page, walked as async iterators: by page number (`pageNumber`, `pageSize`,
 * `pageCount`) and by cursor (a page's `nextUri` carries the `after` cursor of the next one). Each
 * API's helpers give the page fetch; the walk, its end and its abort checks live here once.
 */
import { AbortError, type CallOptions } from '@switchboard/core';

/** Throws the AbortError of a page walk whose caller's signal has aborted (checked before each page). */
export function checkSignal(options: CallOptions | undefined, operationId: string): void {
  const signal = options?.signal;
  if (signal?.aborted) throw new AbortError(signal.reason, { operationId });
}

/** One page of a listing paged by number, as Genesys answers it. */
export interface NumberedPage<T> {
  /** The page's entries. */
  readonly entities?: readonly T[];
  /** The number of entries per page, as the server applied it. */
  readonly pageSize?: number;
  /** The number of pages, when the server gives it. */
  readonly pageCount?: number;
}

/**
 * Every entity from page `first` to the last page: the last is `pageCount` when the server gives
 * it, else the first short (or empty) page.
 */
export async function* byPageNumber<T>(
  operationId: string,
  fetchPage: (pageNumber: number) => Promise<NumberedPage<T>>,
  paging: { readonly first?: number; readonly pageSize?: number; readonly defaultPageSize: number },
  options?: CallOptions,
): AsyncGenerator<T, void, undefined> {
  let pageNumber = paging.first ?? 1;
  for (;;) {
    checkSignal(options, operationId);
    const page = await fetchPage(pageNumber);
    const entities = page.entities ?? [];
    yield* entities;
    const pageSize = paging.pageSize ?? page.pageSize ?? paging.defaultPageSize;
    const lastPage = page.pageCount !== undefined ? pageNumber >= page.pageCount : entities.length < pageSize;
    if (entities.length === 0 || lastPage) return;
    pageNumber++;
  }
}

/** One page of a listing paged by cursor, as Genesys answers it. */
export interface CursorPage<T> {
  /** The page's entries. */
  readonly entities?: readonly T[];
  /** The next page's URI, whose `after` query parameter is the cursor; absent on the last page. */
  readonly nextUri?: string;
}

/** The `after` cursor in a page's `nextUri` (relative or absolute); undefined when it has none. */
export function afterCursor(nextUri: string | undefined): string | undefined {
  if (!nextUri) return undefined;
  try {
    return new URL(nextUri, 'http://genesys.invalid').searchParams.get('after') ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every entity from the page after `first` (the start when undefined) on, following each page's
 * `nextUri`. It stops on a page without one, and when the server gives a cursor it gave before
 * (which would loop forever).
 */
export async function* byCursor<T>(
  operationId: string,
  fetchPage: (after: string | undefined) => Promise<CursorPage<T>>,
  first: string | undefined,
  options?: CallOptions,
): AsyncGenerator<T, void, undefined> {
  const seen = new Set<string>();
  let after = first;
  for (;;) {
    checkSignal(options, operationId);
    const page = await fetchPage(after);
    yield* page.entities ?? [];
    after = afterCursor(page.nextUri);
    if (after === undefined || seen.has(after)) return;
    seen.add(after);
  }
}
