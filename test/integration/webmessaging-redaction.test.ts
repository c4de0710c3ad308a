/**
 * Web Messaging's redaction, end to end: the 25 operations with debug logs and bodies on, then a
 * scan of every log line and span for the JWTs, refresh tokens, device token and guest message
 * text they handled. (The suite's set-up scans every span for JWT-shaped text too.)
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { driveWebMessaging } from '../consumer/src/webmessaging.js';
import { currentTelemetry, spanTexts } from '../support/otel.js';
import { leaksIn, reportSecret } from '../support/secrets.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  reportSecret(emulator.client.clientSecret);
});
afterAll(() => emulator.stop());

function capture(): { stream: Writable; text: () => string } {
  let logged = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged += chunk.toString('utf8');
      done();
    },
  });
  return { stream, text: () => logged };
}

describe('Web Messaging redaction', () => {
  it('keeps every JWT, token and the guest’s message out of debug logs with bodies, and out of spans', async () => {
    const log = capture();
    const spansBefore = currentTelemetry().allSpans.length;
    const run = await driveWebMessaging(emulator.settings, { logger: pino({ level: 'debug' }, log.stream), logBodies: true });
    expect(run.sensitive.length).toBeGreaterThanOrEqual(6);
    for (const value of run.sensitive) reportSecret(value);
    const lines = log.text().split('\n').filter(Boolean);
    // Bodies were logged (the scan reads something), with what they hide replaced.
    expect(lines.some((line) => line.includes('[REDACTED]'))).toBe(true);
    const spans = currentTelemetry().allSpans.slice(spansBefore).flatMap(spanTexts);
    expect(spans.length).toBeGreaterThan(25);
    expect(leaksIn([...lines, ...spans])).toEqual([]);
  });

  it('lets the guest’s message text into logs only with includeMessageText, and never a JWT', async () => {
    const log = capture();
    const run = await driveWebMessaging(emulator.settings, {
      logger: pino({ level: 'debug' }, log.stream),
      logBodies: true,
      includeMessageText: true,
    });
    const text = run.sensitive.find((value) => value.startsWith('Hello from'));
    expect(text).toBeDefined();
    expect(log.text()).toContain(text);
    for (const value of run.sensitive.filter((v) => v !== text)) expect(log.text().includes(value)).toBe(false);
  });
});
