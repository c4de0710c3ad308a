/**
 * Properties of reading guest frames, for hostile input: any string, any JSON value, frames
 * shaped almost like the protocol's (every field right, wrong or missing), deep nesting, huge
 * numbers and prototype keys. The reader never throws; what it ignores has a reason from its fixed
 * set, which holds nothing of the input; what it reads has the envelope it was given. The seed is
 * printed (replay with SWITCHBOARD_PROPERTY_SEED).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type GuestFrame, type IgnoredGuestFrameReason, MAX_GUEST_FRAME_DEPTH, parseGuestFrame } from '../src/guest-frame.js';
import { propertySeed } from '../../../test/support/property-seed.js';
import { serverFrames } from './guest-protocol-notes.js';

const SEED = propertySeed('guest-frame.property.test.ts');
const RUNS = { seed: SEED, numRuns: 500 };

/** Every reason the reader may give: the union, spelled out (a new reason must be added here too). */
const REASONS: readonly IgnoredGuestFrameReason[] = [
  'not text',
  'not json',
  'too deep',
  'not an object',
  'invalid envelope type',
  'no class',
  'unknown class',
  'invalid code',
  'invalid tracing id',
  'body not an object',
  'body not a string',
  'invalid session response',
  'invalid structured message',
  'unknown direction',
  'invalid presigned url',
  'invalid upload success',
  'invalid upload failure',
  'invalid attachment deleted',
  'invalid jwt response',
  'invalid resume token',
  'invalid configuration',
  'invalid connection closed',
  'invalid rate limit',
  'invalid error message',
];

const CLASSES = [
  'string',
  'SessionResponse',
  'StructuredMessage',
  'PresignedUrlResponse',
  'AttachmentDeletedResponse',
  'UploadFailureEvent',
  'UploadSuccessEvent',
  'ConnectionClosedEvent',
  'LogoutEvent',
  'SessionExpiredEvent',
  'JwtResponse',
  'GetConfigurationResponse',
  'GenerateUrlError',
  'TooManyRequestsErrorMessage',
  'ResumeTokenResponse',
  'SessionClearedEvent',
  'Error',
  'Unknown',
  '__proto__',
  'constructor',
  'toString',
];

/** Keys a hostile frame may carry, prototype names among them. */
const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'type', 'text');
/** Any JSON value, with prototype keys and numbers at the edges of what JSON can say. */
const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue(),
    fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE, 0, -0),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileKey, fc.string()), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** A field that is mostly of the right kind, else anything at all, or missing. */
const rightOrAnything = <T>(right: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 5, arbitrary: right }, { weight: 2, arbitrary: hostileJson }, { weight: 1, arbitrary: fc.constant(undefined) });

/** A body: one of a real frame's, its fields replaced or removed at random. */
const realBodies = serverFrames.map((f) => (JSON.parse(f.text ?? JSON.stringify(f.json)) as { body: unknown }).body);
const almostBody = fc
  .constantFrom(...realBodies)
  .chain((body) =>
    typeof body === 'object' && body !== null
      ? fc.record(Object.fromEntries(Object.entries(body).map(([key, value]) => [key, rightOrAnything(fc.constant(value))])))
      : rightOrAnything(fc.constant(body)),
  );
const almostFrame = fc.record({
  type: rightOrAnything(fc.constantFrom('message', 'response')),
  class: rightOrAnything(fc.constantFrom(...CLASSES)),
  code: rightOrAnything(fc.constantFrom(200, 409, 429, 4006, 4011, 5000)),
  body: almostBody,
  tracingId: rightOrAnything(fc.string()),
});

/** Texts a frame's content could leak into a reason through: every string of the input, and the text itself. */
function stringsOf(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string' && value.length >= 3) into.add(value);
  else if (Array.isArray(value)) value.forEach((v) => stringsOf(v, into));
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) {
      if (k.length >= 3) into.add(k);
      stringsOf(v, into);
    }
  return into;
}

/** The property every input has: no throw, and a reason of the fixed set that holds nothing of the input; else its envelope. */
function check(text: string): GuestFrame {
  const frame = parseGuestFrame(text);
  if (frame.kind === 'ignored') {
    expect(REASONS).toContain(frame.reason);
    expect(Object.keys(frame)).toEqual(['kind', 'reason']);
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch {
      input = text;
    }
    // A reason may share a word with the input by chance ("text"): it must not hold a string of the input that is not one of its own.
    for (const s of stringsOf(input)) if (!REASONS.some((r) => r.includes(s))) expect(frame.reason).not.toContain(s);
  } else {
    const envelope = JSON.parse(text) as Record<string, unknown>;
    expect(frame.class).toBe(envelope.class);
    expect(frame.code).toBe(envelope.code);
    expect(frame.body).toEqual(envelope.body);
  }
  return frame;
}

describe('parseGuestFrame on hostile input', () => {
  it('never throws on any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => void check(text)),
      RUNS,
    );
  });

  it('never throws on any JSON value, prototype keys and huge numbers included', () => {
    fc.assert(
      fc.property(hostileJson, (value) => void check(JSON.stringify(value) ?? 'undefined')),
      RUNS,
    );
  });

  it('reads frames almost like the protocol’s, or ignores them with a reason', () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(almostFrame, (frame) => void kinds.add(check(JSON.stringify(frame)).kind)),
      { ...RUNS, numRuns: 2_000 },
    );
    // The generator reaches both sides: frames read and frames ignored.
    expect(kinds.has('ignored')).toBe(true);
    expect(kinds.size).toBeGreaterThan(5);
  });

  it('refuses deep nesting before parsing it, in the envelope or the body, and takes the deepest the schema has', () => {
    const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const inChannel = (depth: number) =>
      `{"type":"message","class":"StructuredMessage","code":200,"body":{"type":"Text","direction":"Outbound","channel":${nested(depth)}}}`;
    for (const depth of [1_000, 1_000_000]) {
      expect(parseGuestFrame(`${'['.repeat(depth)}${']'.repeat(depth)}`)).toEqual({ kind: 'ignored', reason: 'too deep' });
      expect(parseGuestFrame(nested(depth))).toEqual({ kind: 'ignored', reason: 'too deep' });
      expect(parseGuestFrame(inChannel(depth))).toEqual({ kind: 'ignored', reason: 'too deep' });
    }
    // 64 levels in all: the envelope, the body, and 62 from the channel down.
    expect(check(inChannel(MAX_GUEST_FRAME_DEPTH - 2)).kind).toBe('agent-message');
    expect(parseGuestFrame(inChannel(MAX_GUEST_FRAME_DEPTH - 1))).toEqual({ kind: 'ignored', reason: 'too deep' });
    // Brackets inside strings are text, not nesting.
    const text = JSON.stringify({
      type: 'message',
      class: 'StructuredMessage',
      code: 200,
      body: { type: 'Text', direction: 'Outbound', text: '{['.repeat(1_000) },
    });
    expect(check(text).kind).toBe('agent-message');
  });

  it('keeps prototype keys as data and never lets them pass for a field', () => {
    const polluted = '{"__proto__":{"class":"LogoutEvent","type":"message","code":200,"body":{}}}';
    expect(parseGuestFrame(polluted)).toEqual({ kind: 'ignored', reason: 'no class' });
    const inBody = '{"type":"response","class":"SessionResponse","code":200,"body":{"__proto__":{"connected":true}}}';
    expect(parseGuestFrame(inBody)).toEqual({ kind: 'ignored', reason: 'invalid session response' });
    expect(({} as Record<string, unknown>).connected).toBeUndefined();
  });

  it('takes huge numbers as numbers only when finite', () => {
    expect(parseGuestFrame('{"type":"response","class":"JwtResponse","code":200,"body":{"jwt":"j","exp":1e400}}')).toEqual({
      kind: 'ignored',
      reason: 'invalid jwt response',
    });
    const limited =
      '{"type":"response","class":"TooManyRequestsErrorMessage","code":429,"body":{"retryAfter":1e308,"errorCode":4029,"errorMessage":"x"}}';
    expect(parseGuestFrame(limited)).toMatchObject({ kind: 'too-many-requests', retryAfter: 1e308 });
  });
});
