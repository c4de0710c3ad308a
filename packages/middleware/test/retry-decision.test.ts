import { describe, expect, it } from 'vitest';
import { headersFromRecord, HttpError, NetworkError, ResponseTooLargeError, TimeoutError, ValidationError } from '@switchboard/core';
import {
  DEFAULT_RETRY_SETTINGS,
  decideRetry,
  fullJitterBackoff,
  type Outcome,
  OutcomeUnknownError,
  RateLimitError,
} from '@switchboard/middleware';

const response = (status: number, headers: Record<string, string> = {}): Outcome => ({
  response: { status, headers: headersFromRecord(headers), data: undefined },
});
const error = (e: unknown): Outcome => ({ error: e });
const facts = (over: Partial<Parameters<typeof decideRetry>[1]> = {}) => ({
  operationId: 'op',
  attempt: 1,
  idempotent: true,
  timeLeftMs: Infinity,
  nowMs: Date.parse('2026-11-24T12:00:00Z'),
  random: () => 0.5,
  ...over,
});
const policy = DEFAULT_RETRY_SETTINGS;

describe('decideRetry', () => {
  it.each([
    ['200', response(200), facts(), { action: 'stop' }],
    ['404', response(404), facts(), { action: 'stop' }],
    [
      '429 with Retry-After',
      response(429, { 'retry-after': '2' }),
      facts({ idempotent: false }),
      { action: 'retry', waitMs: 2_000, reason: 'retry-after' },
    ],
    [
      '429 with an HTTP-date',
      response(429, { 'retry-after': 'Tue, 24 Nov 2026 12:00:03 GMT' }),
      facts(),
      { action: 'retry', waitMs: 3_000, reason: 'retry-after' },
    ],
    [
      '429 with only inin-ratelimit-reset',
      response(429, { 'inin-ratelimit-reset': '4' }),
      facts(),
      { action: 'retry', waitMs: 4_000, reason: 'rate-limit-reset' },
    ],
    ['429 with no header: backoff', response(429), facts(), { action: 'retry', waitMs: 100, reason: 'backoff' }],
    [
      '429 with Retry-After: 0: the minimum wait',
      response(429, { 'retry-after': '0' }),
      facts(),
      { action: 'retry', waitMs: 100, reason: 'retry-after' },
    ],
    [
      '429 with a negative Retry-After: the minimum wait',
      response(429, { 'retry-after': '-3' }),
      facts(),
      { action: 'retry', waitMs: 100, reason: 'retry-after' },
    ],
    ['429 on the last attempt', response(429, { 'retry-after': '1' }), facts({ attempt: 4 }), { action: 'stop' }],
    ['503 on a GET', response(503), facts(), { action: 'retry', waitMs: 100, reason: 'backoff' }],
    ['503 on a POST without Retry-After', response(503), facts({ idempotent: false }), { action: 'stop' }],
    [
      '503 on a POST with Retry-After',
      response(503, { 'retry-after': '1' }),
      facts({ idempotent: false }),
      { action: 'retry', waitMs: 1_000, reason: 'retry-after' },
    ],
    ['500 on a POST', response(500), facts({ idempotent: false }), { action: 'stop' }],
    ['502 on a PUT', response(502), facts(), { action: 'retry', waitMs: 100, reason: 'backoff' }],
    ['504 on a DELETE', response(504), facts(), { action: 'retry', waitMs: 100, reason: 'backoff' }],
    ['408 on a GET', response(408), facts(), { action: 'retry', waitMs: 100, reason: 'backoff' }],
    ['503 whose wait is past the deadline', response(503, { 'retry-after': '5' }), facts({ timeLeftMs: 1_000 }), { action: 'stop' }],
    [
      'a refused connection on a POST',
      error(new NetworkError('ECONNREFUSED')),
      facts({ idempotent: false }),
      { action: 'retry', waitMs: 100, reason: 'backoff' },
    ],
    ['a reset on a GET', error(new NetworkError('ECONNRESET')), facts(), { action: 'retry', waitMs: 100, reason: 'backoff' }],
    ['an attempt timeout on a GET', error(new TimeoutError('attempt', 1000)), facts(), { action: 'retry', waitMs: 100, reason: 'backoff' }],
    [
      'the deadline, before sending',
      error(new TimeoutError('deadline', 1000, { requestMayHaveBeenSent: false })),
      facts({ idempotent: false }),
      { action: 'stop' },
    ],
    ['the deadline, on a GET in flight', error(new TimeoutError('deadline', 1000)), facts(), { action: 'stop' }],
    [
      'a request that was never sent, on a POST',
      error(new NetworkError('ERR_INVALID_REQUEST')),
      facts({ idempotent: false }),
      { action: 'retry', waitMs: 100, reason: 'backoff' },
    ],
    ['a validation error', error(new ValidationError([])), facts(), { action: 'stop' }],
    ['a body over maxResponseBytes, on a GET', error(new ResponseTooLargeError(200, 1024)), facts(), { action: 'stop' }],
    ['a reset on the last attempt', error(new NetworkError('ECONNRESET')), facts({ attempt: 4 }), { action: 'stop' }],
  ] as const)('%s', (_name, outcome, attempt, expected) => {
    expect(decideRetry(outcome, attempt, policy)).toEqual(expected);
  });

  it('fails a 429 whose wait is above the cap, or past the deadline, with the server’s wait', () => {
    const cap = decideRetry(response(429, { 'retry-after': '120' }), facts(), policy);
    expect(cap).toMatchObject({ action: 'fail', error: { code: 'E_RATE_LIMITED', retryAfterMs: 120_000, reason: 'cap' } });
    expect((cap as { error: unknown }).error).toBeInstanceOf(RateLimitError);
    const deadline = decideRetry(response(429, { 'retry-after': '3' }), facts({ timeLeftMs: 2_000 }), policy);
    expect(deadline).toMatchObject({ action: 'fail', error: { retryAfterMs: 3_000, reason: 'deadline' } });
  });

  it('never replays a write that may have been processed: the outcome is unknown', () => {
    for (const failure of [
      new NetworkError('ECONNRESET'),
      new NetworkError('UND_ERR_SOCKET'),
      new TimeoutError('attempt', 500),
      new TimeoutError('deadline', 500),
    ]) {
      const decision = decideRetry(error(failure), facts({ idempotent: false }), policy);
      expect(decision).toMatchObject({ action: 'fail' });
      expect((decision as { error: unknown }).error).toBeInstanceOf(OutcomeUnknownError);
    }
  });

  it('does not retry an HttpError thrown by someone else, nor anything unknown', () => {
    expect(decideRetry(error(new HttpError({ status: 503, body: undefined, headers: headersFromRecord() })), facts(), policy)).toEqual({
      action: 'stop',
    });
    expect(decideRetry(error(new Error('boom')), facts(), policy)).toEqual({ action: 'stop' });
  });
});

describe('fullJitterBackoff', () => {
  it('draws up to base × 2^(n−1), capped', () => {
    const options = { baseMs: 100, capMs: 1_000 };
    expect(fullJitterBackoff(1, options, () => 0.999)).toBeCloseTo(99.9);
    expect(fullJitterBackoff(3, options, () => 0.5)).toBe(200);
    expect(fullJitterBackoff(10, options, () => 0.5)).toBe(500);
    expect(fullJitterBackoff(2, options, () => 0)).toBe(0);
  });
});
