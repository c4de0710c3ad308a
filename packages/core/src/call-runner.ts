/** One call from the client's point of view: what can refuse it before anything starts, then its run to a result or a typed error. */
import { bounded } from './bounded.js';
import { Call, type CallHub } from './call.js';
import { type CallOptions, checkByteLimit, checkMs, type ClientSettings, deadlineOf } from './client-options.js';
import { type CallResult, failed, resultOf } from './call-result.js';
import type { Runner } from './compose.js';
import type { RouteDescriptor } from './descriptor.js';
import { AbortError, ValidationError } from './errors.js';
import type { InFlight } from './in-flight.js';
import { buildRequest, compileRoute } from './request.js';
import { checkInput } from './validate.js';

/**
 * Everything that can refuse a call before anything has started (a bad descriptor, input, signal
 * or timeout): throws a typed error, or gives the call ready to run.
 */
export function prepareCall(
  route: RouteDescriptor,
  input: unknown,
  callOptions: CallOptions,
  settings: ClientSettings,
  hub: CallHub,
): Call {
  const { operationId } = route;
  compileRoute(route);
  const { problems, bodyJson, bytesBody, params } = checkInput(route, input);
  if (problems.length > 0) throw new ValidationError(problems, { operationId });
  const { signal } = callOptions;
  if (signal?.aborted) throw new AbortError(signal.reason, { operationId });
  checkMs('timeout', callOptions.timeout);
  checkByteLimit(callOptions.maxResponseBytes);
  // The body's text is the one its validation read: serialised once (bytes: the value it read).
  // Built from the parameters validation read, never from the input again (a getter runs once).
  const request = buildRequest(route, params, settings.baseUrl, settings.headers, callOptions.headers, bodyJson ?? bytesBody);
  const now = Date.now();
  const deadline = deadlineOf(callOptions, now);
  const limits = {
    attemptTimeout: callOptions.timeout ?? settings.attemptTimeout,
    maxResponseBytes: callOptions.maxResponseBytes ?? settings.maxResponseBytes,
  };
  const call = new Call(route, input, request, signal, { startedAt: now, deadline }, limits, hub);
  if (callOptions.state) for (const { key, value } of callOptions.state) call.state.set(key, value);
  return call;
}

/**
 * Runs the call's pipeline, counted in `inFlight` until it and every request it sent have settled
 * (a hedged one may outlive it): resolves with the result, rejects with the call's typed error.
 * Reactions on the pipeline's promise rather than an async function: one promise fewer a call.
 */
export function runCall<Output>(call: Call, runner: Runner, inFlight: InFlight, settings: ClientSettings): Promise<CallResult<Output>> {
  call.events.start(call.startedAt);
  inFlight.started();
  call.lifecycle.onIdle(inFlight.settled);
  const pipeline = runner(call);
  const { lifecycle } = call;
  // A bounded call may settle before its pipeline does; an unbounded one settles with it.
  if (call.deadline !== Infinity || call.signal !== undefined) {
    const settled = (): void => lifecycle.pipelineSettled();
    pipeline.then(settled, settled);
    return bounded(pipeline, call).then(
      (response) => resultOf<Output>(call, response, settings),
      (error: unknown) => {
        throw failed(call, error);
      },
    );
  }
  return pipeline.then(
    (response) => {
      lifecycle.pipelineSettled();
      return resultOf<Output>(call, response, settings);
    },
    (error: unknown) => {
      const thrown = failed(call, error);
      lifecycle.pipelineSettled();
      throw thrown;
    },
  );
}
