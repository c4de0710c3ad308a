import { describe, expect, it } from 'vitest';
import { headersFromRecord } from '@switchboard/core';
import { parseRetryAfter, serverWait } from '@switchboard/middleware';

const NOW = Date.parse('2026-11-24T12:00:00Z');

describe('parseRetryAfter', () => {
  it.each([
    ['seconds', '42', 42_000],
    ['zero', '0', 0],
    ['negative', '-5', 0],
    ['fractional seconds', '1.5', 1_500],
    ['surrounding spaces', ' 7 ', 7_000],
    ['huge', '86400', 86_400_000],
    ['an HTTP-date in the future', 'Tue, 24 Nov 2026 12:00:30 GMT', 30_000],
    ['an HTTP-date in the past', 'Tue, 24 Nov 2026 11:59:00 GMT', 0],
    ['non-numeric', 'soon', undefined],
    ['empty', '', undefined],
    ['absent', undefined, undefined],
    ['a number with a unit', '5s', undefined],
    ['garbage with letters', 'Tomorrow-ish', undefined],
  ])('reads %s', (_name, value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});

describe('serverWait', () => {
  it('prefers Retry-After when both headers are present', () => {
    expect(serverWait(headersFromRecord({ 'Retry-After': '3', 'inin-ratelimit-reset': '40' }), NOW)).toEqual({
      ms: 3_000,
      source: 'retry-after',
    });
  });
  it('falls back to inin-ratelimit-reset, and to nothing', () => {
    expect(serverWait(headersFromRecord({ 'inin-ratelimit-reset': '12' }), NOW)).toEqual({ ms: 12_000, source: 'rate-limit-reset' });
    expect(serverWait(headersFromRecord({ 'retry-after': 'junk', 'inin-ratelimit-reset': '2' }), NOW)).toEqual({
      ms: 2_000,
      source: 'rate-limit-reset',
    });
    expect(serverWait(headersFromRecord({ 'inin-ratelimit-reset': '12' }), NOW, false)).toBeUndefined();
    expect(serverWait(headersFromRecord({}), NOW)).toBeUndefined();
  });
});
