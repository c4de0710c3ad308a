/**
 * Deterministic randomness: with a seed, ids, correlation ids and probabilistic faults repeat
 * run after run, so a failing test can be replayed exactly.
 */
import { randomBytes } from 'node:crypto';

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** A version-4-shaped UUID built from the sequence. */
  uuid(): string;
}

export function randomSeed(): number {
  return randomBytes(4).readUInt32LE(0);
}

/**
 * A seed for one independent stream of draws: each consumer (ids, correlation ids, each fault
 * rule) gets its own, so that one drawing more (a request more, a timer firing earlier) never
 * shifts what another draws.
 */
export function deriveSeed(seed: number, stream: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(stream + 1, 0xc2b2ae35)) >>> 0;
}

/** mulberry32: tiny, fast, and good enough to spread ids and fault draws. */
export function createRandom(seed: number = randomSeed()): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const hex = (n: number): string => {
    let out = '';
    for (let i = 0; i < n; i++) out += Math.floor(next() * 16).toString(16);
    return out;
  };
  return {
    next,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(next() * 4)]}${hex(3)}-${hex(12)}`,
  };
}
