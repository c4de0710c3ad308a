/**
 * A vitest set-up file: every test file runs with a real OpenTelemetry SDK registered, so every
 * call the suite makes through a client with tracing is traced for real, and at the end of each
 * file every span it produced is scanned for credentials, and none of ours may be left open. Secrets a test knows of (an emulator's
 * client secret, the tokens it issued) are added with `reportSecret`.
 */
import { afterAll, expect } from 'vitest';
import { installTelemetry, spanTexts } from './otel.js';
import { leaksIn } from './secrets.js';
import { sleep } from './time.js';

const telemetry = installTelemetry();

afterAll(async () => {
  // A span still open when its file is done has leaked (the work it traced is long over); its text is scanned too.
  await sleep(50);
  const open = [...telemetry.openSpans].filter((span) => span.instrumentationScope.name === '@switchboard/middleware');
  const leaks = [...telemetry.allSpans, ...open].flatMap((span) => leaksIn(spanTexts(span)).map((leak) => `${span.name}: ${leak}`));
  await telemetry.uninstall();
  expect(leaks, 'secrets in spans').toEqual([]);
  expect(
    open.map((span) => span.name),
    'spans never ended',
  ).toEqual([]);
});
