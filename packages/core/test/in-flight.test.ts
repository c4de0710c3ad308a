/**
 * InFlight: what close() waits on. It keeps no timers: idle() settles when the last pipeline
 * running settles, so these tests drive it step by step and look at whether idle() has settled.
 */
import { describe, expect, it } from 'vitest';
import { InFlight } from '../src/in-flight.js';

/** Whether `promise` has settled once every callback already queued has run. */
async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  // A macrotask later every microtask queued before it has run: enough for a resolved promise's callbacks.
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

describe('InFlight', () => {
  it('is idle at once when nothing runs', async () => {
    expect(await hasSettled(new InFlight().idle())).toBe(true);
  });

  it('is idle only once every pipeline started has settled', async () => {
    const inFlight = new InFlight();
    inFlight.started();
    inFlight.started();
    const idle = inFlight.idle();
    expect(await hasSettled(idle)).toBe(false);
    inFlight.settled();
    expect(await hasSettled(idle)).toBe(false);
    inFlight.settled();
    expect(await hasSettled(idle)).toBe(true);
  });

  it('counts a pipeline started while it waits', async () => {
    const inFlight = new InFlight();
    inFlight.started();
    const idle = inFlight.idle();
    inFlight.started();
    inFlight.settled();
    expect(await hasSettled(idle)).toBe(false);
    inFlight.settled();
    expect(await hasSettled(idle)).toBe(true);
  });

  it('takes settled as a callback, detached from the object', async () => {
    const inFlight = new InFlight();
    const { settled } = inFlight;
    inFlight.started();
    const idle = inFlight.idle();
    settled();
    expect(await hasSettled(idle)).toBe(true);
  });

  it('waits again when pipelines start after it was idle', async () => {
    const inFlight = new InFlight();
    inFlight.started();
    const first = inFlight.idle();
    inFlight.settled();
    expect(await hasSettled(first)).toBe(true);

    inFlight.started();
    const second = inFlight.idle();
    expect(await hasSettled(second)).toBe(false);
    inFlight.settled();
    expect(await hasSettled(second)).toBe(true);
  });
});
