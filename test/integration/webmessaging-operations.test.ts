/**
 * All 25 Web Messaging operations through WebMessagingAPI against the emulator, each with the auth
 * the contract gives it: the same driver the consumer check runs from the packed tarballs
 * (test/consumer/src/webmessaging.ts), here on the workspace's sources.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { driveWebMessaging } from '../consumer/src/webmessaging.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(() => emulator.stop());

describe('Web Messaging against the emulator', () => {
  it('runs all 25 operations with their auth, and meets each first error typed', async () => {
    const run = await driveWebMessaging(emulator.settings);
    expect(new Set(run.operations).size).toBe(25);
    expect(run.errors).toBe(4);
  });

  it('does the same on the undici transport', async () => {
    const run = await driveWebMessaging(emulator.settings, { transport: 'undici' });
    expect(new Set(run.operations).size).toBe(25);
  });
});
