/**
 * What the production examples' workers share: the trace exporter the OTEL_* settings pick, the
 * OpenTelemetry SDK and pino set up as a service runs them, the emulator when nothing says where
 * Genesys is, REDIS_URL as ioredis settings (and the refusal to start without it), RUN_SECONDS, a
 * graceful shutdown, and one way out of the process.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Emulator } from '@switchboard/emulator';
import type { RedisOptions } from 'ioredis';
import pino, { type Logger } from 'pino';
import { redisOptions } from './redis-options.js';
import { configError, numberSetting } from './settings.js';

const env = process.env;

/**
 * The span exporter OTEL_TRACES_EXPORTER names: otlp by default when an OTLP endpoint is set, else
 * none (the console exporter prints every span, thousands of lines a minute: only when asked for).
 */
export function traceExporter(): SpanExporter | undefined {
  const choice = env.OTEL_TRACES_EXPORTER || (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? 'otlp' : 'none');
  if (choice === 'otlp') return new OTLPTraceExporter(); // reads OTEL_EXPORTER_OTLP_* (endpoint, headers) itself
  if (choice === 'console') return new ConsoleSpanExporter();
  if (choice === 'none') return undefined;
  configError(`OTEL_TRACES_EXPORTER must be otlp, console or none (got "${choice}").`);
}

/**
 * The OpenTelemetry SDK of a service named `serviceName`, started: spans batched to
 * {@link traceExporter}'s choice, metrics only when OTEL_METRICS_EXPORTER asks, logs left to pino.
 * A worker calls it first, before the code it should see is loaded and used.
 */
export function startTelemetry(serviceName: string): { readonly sdk: NodeSDK; readonly exporter: SpanExporter | undefined } {
  const exporter = traceExporter();
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': serviceName }), // OTEL_SERVICE_NAME overrides it
    // SDK 2.x (sdk-node 0.2xx, what runs on Node 20): a processor takes the exporter itself. SDK 3.x
    // (sdk-node 0.300+, Node >= 22.15) takes an options object, `new BatchSpanProcessor({ exporter })`;
    // the 2.x line there exports no span at all.
    spanProcessors: exporter ? [new BatchSpanProcessor(exporter)] : [],
    // Without this NodeSDK reads OTEL_METRICS_EXPORTER and, when it is unset, exports metrics over OTLP.
    ...(env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
    // Logs go through pino.
    logRecordProcessors: [],
  });
  sdk.start();
  return { sdk, exporter };
}

/** pino at LOG_LEVEL (default info). */
export function serviceLogger(): Logger {
  // Synchronous writes to stdout: every line is out before process.exit(). (With pino's default
  // asynchronous destination the last lines can be lost at exit, and flush() does not wait for a
  // write in flight.) At a few hundred calls a minute the cost does not show.
  return pino({ level: env.LOG_LEVEL ?? 'info' }, pino.destination({ dest: 1, sync: true }));
}

/**
 * With no GENESYS_* setting at all, the local Genesys emulator (`what`: the API the example uses),
 * started in this process, and a log line that says so; undefined when any GENESYS_* is set.
 */
export async function emulatorUnlessConfigured(log: Logger, what: string): Promise<Emulator | undefined> {
  if (Object.keys(env).some((name) => name.startsWith('GENESYS_') && env[name])) return undefined;
  const { startEmulator } = await import('@switchboard/emulator');
  const emulator = await startEmulator();
  log.info({ apiUrl: emulator.apiUrl }, `no GENESYS_* settings: started the local Genesys ${what} emulator`);
  return emulator;
}

/** REDIS_URL as ioredis settings; a bad one is a configuration error. */
export function redisSettings(url: string): RedisOptions {
  try {
    return redisOptions(url);
  } catch (error) {
    configError((error as Error).message);
  }
}

/** No REDIS_URL where the fleet needs one: exit 2, saying `why` and how to start a Redis. */
export function redisRequired(why: string): never {
  configError(
    `REDIS_URL is not set. ${why}`,
    'Start one and point REDIS_URL at it, for example:',
    '  redis-server --port 6379 --bind 127.0.0.1 --save "" --appendonly no   (or: docker run --rm -p 6379:6379 redis:7)',
    '  export REDIS_URL=redis://127.0.0.1:6379',
  );
}

let exiting = false;

/** Ends the process with `code`, once: whichever of a shutdown, its timeout or a second signal comes first decides. */
export function exit(code: number): void {
  if (exiting) return;
  exiting = true;
  process.exit(code);
}

/** With RUN_SECONDS set, calls `stop` once that many seconds have passed, as a SIGTERM would; without it, nothing. */
export function stopAfterRunSeconds(stop: (reason: string) => void): void {
  const runSeconds = env.RUN_SECONDS ? numberSetting('RUN_SECONDS', 0) : undefined;
  if (runSeconds !== undefined) setTimeout(() => stop('RUN_SECONDS elapsed'), runSeconds * 1000).unref();
}

/**
 * A worker's graceful shutdown: `steps` run once, at the first SIGTERM or SIGINT or when
 * RUN_SECONDS have passed, given which of them it was; the process exits 0 once they are done
 * ("shutdown complete"), and 1 when they fail, when `timeoutMs` passes first, or at a second signal.
 */
export function onShutdown(log: Logger, timeoutMs: number, steps: (reason: string) => Promise<void>): void {
  let started = false;
  const begin = (reason: string): void => {
    if (started) return;
    started = true;
    setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown took too long: exiting now');
      exit(1);
    }, timeoutMs).unref();
    steps(reason).then(
      () => {
        log.info('shutdown complete');
        exit(0);
      },
      (error: unknown) => {
        log.error({ errorName: error instanceof Error ? error.name : typeof error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  const signalled = (signal: NodeJS.Signals): void => {
    if (!started) return begin(signal);
    log.warn({ signal }, 'second signal during shutdown: exiting now');
    exit(1);
  };
  process.on('SIGTERM', signalled).on('SIGINT', signalled);
  stopAfterRunSeconds(begin);
}
