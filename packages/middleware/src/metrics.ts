/**
 * The metrics middleware (operation phase), on the OpenTelemetry metrics API: the stable
 * `http.client.request.duration` histogram per physical attempt, and counters of retries, retries
 * refused, 429 answers and waits (with a histogram of how long each wait took). The meter is
 * looked up per call, so a provider registered after the client is built is used; without one,
 * calls are not observed at all.
 */
import { type Attributes, type Counter, createNoopMeter, type Histogram, type MeterProvider, metrics } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_HTTP_RESPONSE_STATUS_CODE, METRIC_HTTP_CLIENT_REQUEST_DURATION } from '@opentelemetry/semantic-conventions';
import type { CallEvent, Middleware } from '@switchboard/core';
import { ATTR_RETRY_REFUSAL_REASON, ATTR_WAIT_REASON, routeAttributes, SCOPE_NAME } from './otel-attributes.js';

/** What {@link clientMetrics} takes. */
export interface MetricsOptions {
  /**
   * The provider to measure with; the global one by default.
   * @default the global meter provider, looked up on each call
   */
  readonly meterProvider?: MeterProvider;
  /**
   * Middleware name.
   * @default `'metrics'`
   */
  readonly name?: string;
}

// The semantic conventions' advice for http.client.request.duration, in seconds.
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

interface Instruments {
  readonly requestDuration: Histogram;
  readonly retries: Counter;
  readonly refusedRetries: Counter;
  readonly throttled: Counter;
  readonly waits: Counter;
  readonly waitDuration: Histogram;
}

function createInstruments(provider: MeterProvider): Instruments | undefined {
  const meter = provider.getMeter(SCOPE_NAME);
  if (meter === createNoopMeter()) return undefined;
  return {
    requestDuration: meter.createHistogram(METRIC_HTTP_CLIENT_REQUEST_DURATION, {
      description: 'Duration of HTTP client requests (one per physical attempt).',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    retries: meter.createCounter('switchboard.client.retries', { description: 'Attempts that were tried again.', unit: '{retry}' }),
    refusedRetries: meter.createCounter('switchboard.client.refused_retries', {
      description: 'Attempts that called for a retry and were not tried again (reason `budget`: the retry budget was spent).',
      unit: '{retry}',
    }),
    throttled: meter.createCounter('switchboard.client.throttled', { description: 'HTTP 429 answers.', unit: '{response}' }),
    waits: meter.createCounter('switchboard.client.waits', {
      description: 'Waits on purpose: backoff, Retry-After, rate-limit queue, token refresh.',
      unit: '{wait}',
    }),
    waitDuration: meter.createHistogram('switchboard.client.wait.duration', {
      description: 'How long each wait took.',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
  };
}

// An attempt's attributes are its route's plus an outcome, of which a route sees a handful: made
// once per route and outcome, not spread on every attempt. Frozen, because they are shared.
const byOutcome = new WeakMap<Attributes, Map<string, Attributes>>();
const MAX_OUTCOMES = 64;

function outcomeAttributes(route: Attributes, status: number | undefined, errorType: string | undefined): Attributes {
  let outcomes = byOutcome.get(route);
  if (!outcomes) byOutcome.set(route, (outcomes = new Map<string, Attributes>()));
  const key = `${status ?? ''} ${errorType ?? ''}`;
  let attributes = outcomes.get(key);
  if (!attributes) {
    const built: Attributes = { ...route };
    if (status !== undefined) built[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
    if (errorType !== undefined) built[ATTR_ERROR_TYPE] = errorType;
    attributes = Object.freeze(built);
    // errorType is low-cardinality by design; the bound keeps a misbehaving transport from growing it.
    if (outcomes.size >= MAX_OUTCOMES) outcomes.clear();
    outcomes.set(key, attributes);
  }
  return attributes;
}

function record(instruments: Instruments, route: Attributes, event: CallEvent): void {
  switch (event.type) {
    case 'attempt.end': {
      instruments.requestDuration.record(event.durationMs / 1000, outcomeAttributes(route, event.status, event.errorType));
      if (event.status === 429) instruments.throttled.add(1, route);
      return;
    }
    case 'retry':
      instruments.retries.add(1, {
        ...route,
        [ATTR_WAIT_REASON]: event.reason,
        ...(event.errorType === undefined ? {} : { [ATTR_ERROR_TYPE]: event.errorType }),
      });
      return;
    case 'retry.refused':
      instruments.refusedRetries.add(1, {
        ...route,
        [ATTR_RETRY_REFUSAL_REASON]: event.reason,
        ...(event.errorType === undefined ? {} : { [ATTR_ERROR_TYPE]: event.errorType }),
      });
      return;
    case 'wait': {
      const attributes = { ...route, [ATTR_WAIT_REASON]: event.reason };
      instruments.waits.add(1, attributes);
      instruments.waitDuration.record(event.durationMs / 1000, attributes);
      return;
    }
    default:
      return;
  }
}

/**
 * The operation-phase metrics middleware, on the OpenTelemetry metrics API: the stable
 * `http.client.request.duration` histogram per physical attempt, and the counters
 * `switchboard.client.retries`, `switchboard.client.refused_retries` (by reason: `budget`),
 * `switchboard.client.throttled` (429 answers) and `switchboard.client.waits`, with the
 * `switchboard.client.wait.duration` histogram. Without a meter provider, calls are not observed
 * at all.
 */
export function clientMetrics(options: MetricsOptions = {}): Middleware {
  let provider: MeterProvider | undefined;
  let instruments: Instruments | undefined;
  const current = (): Instruments | undefined => {
    const now = options.meterProvider ?? metrics.getMeterProvider();
    if (now !== provider) {
      provider = now;
      instruments = createInstruments(now);
    }
    return instruments;
  };

  return {
    name: options.name ?? 'metrics',
    phase: 'operation',
    handle(ctx, next) {
      const active = current();
      if (active) {
        // The stable metric's own attributes: the operation is its method and url.template, and
        // every attribute more is hashed by the SDK on every point.
        const route = routeAttributes(ctx.route, ctx.request.url).route;
        ctx.observe({ event: (event) => record(active, route, event) });
      }
      return next();
    },
  };
}
