/**
 * CallLifecycle: a call is idle once its pipeline and every request it sent have settled, and ended
 * once its caller's outcome is known too; each moment comes once. It keeps no timers: the moments
 * follow from the calls made on it, so these tests drive it step by step.
 */
import { describe, expect, it } from 'vitest';
import type { CallOutcome } from '../src/call-events.js';
import { CallLifecycle } from '../src/call-lifecycle.js';
import { headersFromRecord } from '../src/headers.js';

/** A lifecycle whose idle and ended moments are recorded, in order. */
function watched(): { lifecycle: CallLifecycle; moments: string[]; outcomes: CallOutcome[] } {
  const moments: string[] = [];
  const outcomes: CallOutcome[] = [];
  const lifecycle = new CallLifecycle({
    ended: (outcome) => {
      moments.push('ended');
      outcomes.push(outcome);
    },
  });
  lifecycle.onIdle(() => moments.push('idle'));
  return { lifecycle, moments, outcomes };
}

const answered: CallOutcome = { response: { status: 200, headers: headersFromRecord(), data: { ok: true } }, correlationId: 'c-1' };
const failed: CallOutcome = { error: new Error('refused') };

describe('CallLifecycle', () => {
  it('is idle, then ended, once the pipeline settles after the outcome is decided', () => {
    const { lifecycle, moments, outcomes } = watched();
    lifecycle.decided(answered);
    expect(moments).toEqual([]);
    lifecycle.pipelineSettled();
    expect(moments).toEqual(['idle', 'ended']);
    expect(outcomes).toEqual([answered]);
  });

  it('is idle when the pipeline settles with no outcome yet, and ended only once the outcome is decided', () => {
    const { lifecycle, moments, outcomes } = watched();
    lifecycle.pipelineSettled();
    expect(moments).toEqual(['idle']);
    lifecycle.decided(failed);
    expect(moments).toEqual(['idle', 'ended']);
    expect(outcomes).toEqual([failed]);
  });

  it('is not idle while a request it sent is still out (a hedge that lost), however the pipeline and outcome stand', () => {
    const { lifecycle, moments } = watched();
    lifecycle.requestSent();
    lifecycle.requestSent();
    lifecycle.requestSettled();
    lifecycle.decided(answered);
    lifecycle.pipelineSettled();
    expect(moments).toEqual([]);
    lifecycle.requestSettled();
    expect(moments).toEqual(['idle', 'ended']);
  });

  it('is not idle while the pipeline runs, even once every request it sent has settled (a bounded call answered early)', () => {
    const { lifecycle, moments } = watched();
    lifecycle.requestSent();
    lifecycle.decided(failed);
    lifecycle.requestSettled();
    expect(moments).toEqual([]);
    lifecycle.pipelineSettled();
    expect(moments).toEqual(['idle', 'ended']);
  });

  it('keeps the first outcome given', () => {
    const { lifecycle, outcomes } = watched();
    lifecycle.decided(failed);
    lifecycle.decided(answered);
    lifecycle.pipelineSettled();
    lifecycle.decided(answered);
    expect(outcomes).toEqual([failed]);
  });

  it('is idle once and ended once, whatever is reported afterwards', () => {
    const { lifecycle, moments } = watched();
    lifecycle.decided(answered);
    lifecycle.pipelineSettled();
    lifecycle.pipelineSettled();
    lifecycle.requestSent();
    lifecycle.requestSettled();
    lifecycle.decided(failed);
    expect(moments).toEqual(['idle', 'ended']);
  });

  it('ends the call without an idle callback when none was given', () => {
    const outcomes: CallOutcome[] = [];
    const lifecycle = new CallLifecycle({ ended: (outcome) => outcomes.push(outcome) });
    lifecycle.decided(answered);
    lifecycle.pipelineSettled();
    expect(outcomes).toEqual([answered]);
  });
});
