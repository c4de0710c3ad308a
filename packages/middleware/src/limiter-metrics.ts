/**
 * A limiter's own metrics, on the OpenTelemetry metrics API: how many calls wait for their turn
 * (`switchboard.limiter.queued`, a gauge), how long each waited (`switchboard.limiter.wait.duration`),
 * and, for RedisLimiter, whether it is on its local fallback (`switchboard.limiter.fallback`, 1 while
 * Redis cannot be reached: the state to alert on). The meter provider is looked up when a call
 * asks for a turn, so one registered after the limiter was made is used; without one nothing is
 * recorded.
 */
import { type Attributes, createNoopMeter, type Histogram, type MeterProvider, metrics, type ObservableResult } from '@opentelemetry/api';
import { SCOPE_NAME } from './otel-attributes.js';

// Turn waits run from microseconds (quota to spare) to a window's length (a minute for Genesys).
const WAIT_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** What a limiter tells its metrics when they are read. */
export interface LimiterState {
  /** Calls waiting for their turn. */
  readonly queued: number;
  /** Whether calls are served by a local fallback (RedisLimiter while Redis cannot be reached); undefined for a limiter without one. */
  readonly fallback?: boolean | undefined;
}

/** What a limiter's `metrics` option takes: where to measure, and attributes of yours on every point. */
export interface LimiterMetricsOptions {
  /**
   * The provider to measure with.
   * @default the global meter provider, looked up when a call asks for a turn
   */
  readonly meterProvider?: MeterProvider;
  /**
   * Attributes added to every point, to tell your limiters apart (for example `{ 'switchboard.limiter.name': 'orders' }`).
   * @default none
   */
  readonly attributes?: Attributes;
}

/** The attribute that says which limiter a point is from: `local`, `redis`, or `fallback` (a RedisLimiter's local fallback). */
export const ATTR_LIMITER_KIND = 'switchboard.limiter.kind';
/** A RedisLimiter's `id`. */
export const ATTR_LIMITER_ID = 'switchboard.limiter.id';

interface Instruments {
  readonly waitDuration: Histogram;
  readonly unobserve: () => void;
}

export class LimiterMetrics {
  readonly #attributes: Attributes;
  readonly #state: () => LimiterState;
  readonly #configured: MeterProvider | undefined;
  #provider: MeterProvider | undefined;
  #instruments: Instruments | undefined;
  #closed = false;

  /**
   * @param attributes - what tells this limiter apart (its kind, and a shared limiter's id).
   * @param state - read when the gauges are collected.
   * @param meterProvider - the provider to measure with; the global one when not given.
   */
  constructor(attributes: Attributes, state: () => LimiterState, meterProvider?: MeterProvider) {
    this.#attributes = attributes;
    this.#state = state;
    this.#configured = meterProvider;
    this.#current();
  }

  /** A call got its turn after `waitedMs`. */
  waited(waitedMs: number): void {
    this.#current()?.waitDuration.record(waitedMs / 1000, this.#attributes);
  }

  /** A call asked for a turn: the moment to notice a provider registered since. */
  touch(): void {
    this.#current();
  }

  /** Stops reporting (the limiter has closed): its gauges no longer hold it. */
  close(): void {
    this.#closed = true;
    this.#instruments?.unobserve();
    this.#instruments = undefined;
    this.#provider = undefined;
  }

  #current(): Instruments | undefined {
    if (this.#closed) return undefined;
    const now = this.#configured ?? metrics.getMeterProvider();
    if (now === this.#provider) return this.#instruments;
    this.#instruments?.unobserve();
    this.#provider = now;
    this.#instruments = this.#create(now);
    return this.#instruments;
  }

  #create(provider: MeterProvider): Instruments | undefined {
    const meter = provider.getMeter(SCOPE_NAME);
    if (meter === createNoopMeter()) return undefined;
    const queued = meter.createObservableGauge('switchboard.limiter.queued', {
      description: 'Calls waiting for their turn from the rate limiter.',
      unit: '{call}',
    });
    const fallback = meter.createObservableGauge('switchboard.limiter.fallback', {
      description:
        'Whether the shared rate limiter serves calls from its local fallback (1) because Redis cannot be reached, or from the shared budget (0).',
      unit: '1',
    });
    const observeQueued = (result: ObservableResult): void => result.observe(this.#state().queued, this.#attributes);
    const observeFallback = (result: ObservableResult): void => {
      const { fallback: active } = this.#state();
      if (active !== undefined) result.observe(active ? 1 : 0, this.#attributes);
    };
    queued.addCallback(observeQueued);
    fallback.addCallback(observeFallback);
    return {
      waitDuration: meter.createHistogram('switchboard.limiter.wait.duration', {
        description: 'How long each call waited for its turn from the rate limiter.',
        unit: 's',
        advice: { explicitBucketBoundaries: WAIT_BUCKETS },
      }),
      unobserve: () => {
        queued.removeCallback(observeQueued);
        fallback.removeCallback(observeFallback);
      },
    };
  }
}
