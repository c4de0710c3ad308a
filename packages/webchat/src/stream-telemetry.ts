/**
 * What a guest chat's event stream tells the user's observability, on the stream telemetry of
 * @switchboard/genesys: a client event (`api.on('stream')`) for each connection change, reconnect,
 * gap fill and ignored frame; a span for the stream's life (`webchat event stream`, with the
 * conversation id) with a span event for each; and the `switchboard.stream.*` counters.
 */
import {
  type StreamObserver,
  streamTelemetry as genesysStreamTelemetry,
  type StreamTelemetryEvent,
  type TelemetryProviders,
} from '@switchboard/genesys';
import type { EventStreamError } from './chat-events.js';

const ATTR_CONVERSATION_ID = 'switchboard.conversation.id';

/** What `api.on('stream', listener)` delivers: the event stream of one guest chat changed. */
export interface StreamEvent extends StreamTelemetryEvent {
  /** Always `'stream'`. */
  readonly type: 'stream';
  /** The chat's conversation. */
  readonly conversationId: string;
}

/** Where the telemetry goes: the providers (false for none) and the client's event listeners (which must not throw: a ListenerSet's emit). */
export interface ChatTelemetryOptions extends TelemetryProviders {
  readonly emit: (event: StreamEvent) => void;
}

/** The observer of one chat's event stream. */
export function streamTelemetry(conversationId: string, options: ChatTelemetryOptions): StreamObserver<EventStreamError> {
  return genesysStreamTelemetry<EventStreamError>({
    scope: '@switchboard/webchat',
    spanName: 'webchat event stream',
    attributes: { [ATTR_CONVERSATION_ID]: conversationId },
    tracerProvider: options.tracerProvider,
    meterProvider: options.meterProvider,
    emit: (event) => options.emit({ type: 'stream', conversationId, ...event }),
  });
}
