/**
 * A vitest set-up file: every test file runs with a real OpenTelemetry SDK registered, so every
 * call the suite makes through a client with tracing is traced for real, and at the end of each
 * file every span it produced is scanned for credentials. Secrets a test knows of (an emulator's
 * client secret, the tokens it issued) are added with `reportSecret`.
 */
import { afterAll, expect } from 'vitest';
import { installTelemetry, spanTexts } from './otel.js';
import { leaksIn } from './secrets.js';

const telemetry = installTelemetry();

afterAll(async () => {
  const leaks = telemetry.allSpans.flatMap((span) => leaksIn(spanTexts(span)).map((leak) => `${span.name}: ${leak}`));
  await telemetry.uninstall();
  expect(leaks, 'secrets in spans').toEqual([]);
});
