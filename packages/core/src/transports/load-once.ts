/** Lazy loading shared by the transports: one load at a time, and a failure is not cached. */

/** Runs `load` on first use and shares its promise; after a failure the next call tries again. */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
}
