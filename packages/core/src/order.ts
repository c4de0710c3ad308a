/** Puts middleware in the order they run: by phase, then insertion order, then anchors. */
import { ConfigurationError } from './errors.js';
import { PHASES, type Middleware, type Phase } from './middleware.js';

function anchorOf(m: Middleware): string | undefined {
  return m.before ?? m.after;
}

function orderPhase(phase: Phase, members: readonly Middleware[]): Middleware[] {
  const placed = members.filter((m) => anchorOf(m) === undefined);
  let pending = members.filter((m) => anchorOf(m) !== undefined);
  // Several middleware placed after one anchor line up after each other, in insertion order.
  const lastAfter = new Map<string, Middleware>();
  // Anchored middleware may point at other anchored ones: place whatever can be placed
  // until a round places nothing.
  while (pending.length > 0) {
    const stillPending: Middleware[] = [];
    for (const m of pending) {
      const anchor = anchorOf(m) as string;
      const index = placed.findIndex((p) => p.name === anchor);
      if (index === -1) {
        stillPending.push(m);
      } else if (m.before !== undefined) {
        placed.splice(index, 0, m);
      } else {
        const previous = lastAfter.get(anchor);
        placed.splice((previous ? placed.indexOf(previous) : index) + 1, 0, m);
        lastAfter.set(anchor, m);
      }
    }
    if (stillPending.length === pending.length) {
      const names = stillPending.map((m) => `"${m.name}" (${m.before ? 'before' : 'after'} "${anchorOf(m)}")`);
      throw new ConfigurationError(
        `cannot place middleware ${names.join(', ')}: the anchor is not a middleware of the ${phase} phase, or the anchors form a cycle`,
      );
    }
    pending = stillPending;
  }
  return placed;
}

function check(m: Middleware): void {
  if (typeof m.name !== 'string' || m.name.length === 0) throw new ConfigurationError('a middleware needs a non-empty name');
  if (!PHASES.includes(m.phase)) {
    throw new ConfigurationError(`middleware "${m.name}" has unknown phase "${String(m.phase)}"; use one of ${PHASES.join(', ')}`);
  }
  if (typeof m.handle !== 'function') throw new ConfigurationError(`middleware "${m.name}" has no handle function`);
  if (m.before !== undefined && m.after !== undefined) {
    throw new ConfigurationError(`middleware "${m.name}" sets both before and after; choose one`);
  }
}

/** Middleware in run order, outermost first. Throws ConfigurationError on duplicates or bad anchors. */
export function orderMiddleware(middleware: readonly Middleware[]): Middleware[] {
  const names = new Set<string>();
  for (const m of middleware) {
    check(m);
    if (names.has(m.name)) throw new ConfigurationError(`two middleware are named "${m.name}"; names must be unique`);
    names.add(m.name);
  }
  return PHASES.flatMap((phase) =>
    orderPhase(
      phase,
      middleware.filter((m) => m.phase === phase),
    ),
  );
}
