/**
 * Faults on a conversation's event stream, as the admin endpoint takes them
 * (`POST /__emulator/conversations/:id/stream`): `{ kind: 'drop' }`, `{ kind: 'stall', ms }`,
 * `{ kind: 'close', code, reason? }`, `{ kind: 'frame', data }`.
 */

/** A fault on an event stream socket: a drop (no close frame), a stall of `ms` (nothing sent, socket open), a close with `code`, or a frame the API would never send. */
export type StreamFault =
  | {
      /** Destroy the socket without a close frame. */
      readonly kind: 'drop';
    }
  | {
      /** Send nothing, heartbeats included, for `ms`, the socket left open. */
      readonly kind: 'stall';
      /** How long, in ms. */
      readonly ms: number;
    }
  | {
      /** Close the socket with a close frame. */
      readonly kind: 'close';
      /** The close code: 1000–1003, 1007–1014 or 3000–4999. */
      readonly code: number;
      /** The close reason, at most 123 bytes. */
      readonly reason?: string | undefined;
    }
  | {
      /** Send `data` as one text frame, as it is: not JSON, the wrong shape, too large — what a client's frame parser must survive. */
      readonly kind: 'frame';
      /** The frame's text. */
      readonly data: string;
    };

/** A stream fault that hits every event stream socket `everyMs` after it attached, and again every `everyMs` while it is open. */
export interface StreamFaultRule {
  /** What happens to the socket. */
  readonly fault: StreamFault;
  /** How long after it attached, and how often after that, in ms (at least 10). */
  readonly everyMs: number;
}

/** The rule a request body or an option gives, or what is wrong with it. */
export function streamFaultRule(rule: unknown): StreamFaultRule | string {
  if (typeof rule !== 'object' || rule === null) return 'a stream fault rule is { fault, everyMs }';
  const { fault, everyMs } = rule as Record<string, unknown>;
  const parsed = streamFault(fault);
  if (typeof parsed === 'string') return parsed;
  if (typeof everyMs !== 'number' || !Number.isInteger(everyMs) || everyMs < 10) return 'everyMs must be a whole number of ms, at least 10';
  return { fault: parsed, everyMs };
}

/** A CLI time (`500`, `500ms`, `30s`) in ms, or undefined when it is not one. */
export function parseTime(text: string): number | undefined {
  const m = /^(\d+)(ms|s)?$/.exec(text);
  return m ? Number(m[1]) * (m[2] === 's' ? 1_000 : 1) : undefined;
}

/**
 * The CLI's `--stream-fault` form of a rule: `drop@30s`, `stall:5s@60s`, `close:1011@45s` (times
 * in ms, `ms` or `s`): the fault, then how often.
 */
export function parseStreamFaultRule(text: string): StreamFaultRule {
  const time = parseTime;
  const match = /^(drop|stall|close)(?::([^@]+))?@(.+)$/.exec(text);
  const usage = `--stream-fault takes drop@EVERY, stall:DURATION@EVERY or close:CODE@EVERY (times such as 500ms or 30s), not ${JSON.stringify(text)}`;
  if (!match) throw new Error(usage);
  const [, kind, arg, every] = match;
  if (kind === 'drop' && arg !== undefined) throw new Error(usage);
  const fault = kind === 'drop' ? { kind } : kind === 'stall' ? { kind, ms: time(arg ?? '') } : { kind, code: Number(arg) };
  const rule = streamFaultRule({ fault, everyMs: time(every ?? '') });
  if (typeof rule === 'string') throw new Error(`${usage}: ${rule}`);
  return rule;
}

/** Why a close code cannot be sent, or undefined when it can (RFC 6455 §7.4: 1004–1006 and 1015 are never sent). */
function closeCodeProblem(code: unknown): string | undefined {
  const sendable = (c: number) => (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
  return typeof code === 'number' && Number.isInteger(code) && sendable(code)
    ? undefined
    : `a close code must be 1000–1003, 1007–1014 or 3000–4999, not ${String(code)}`;
}

/** The fault a request body asks for, or what is wrong with it. */
export function streamFault(body: unknown): StreamFault | string {
  if (typeof body !== 'object' || body === null) return "the body must be { kind: 'drop' | 'stall' | 'close' | 'frame', … }";
  const { kind, ms, code, reason, data } = body as Record<string, unknown>;
  if (kind === 'drop') return { kind };
  if (kind === 'stall')
    return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? { kind, ms } : 'a stall needs ms, a number above 0';
  if (kind === 'close') {
    const problem = closeCodeProblem(code);
    if (problem) return problem;
    if (reason !== undefined && (typeof reason !== 'string' || Buffer.byteLength(reason) > 123))
      return 'a close reason is a string of at most 123 bytes';
    return { kind, code: code as number, reason };
  }
  if (kind === 'frame') return typeof data === 'string' ? { kind, data } : 'a frame needs data, a string (sent as it is)';
  return `unknown stream fault kind ${JSON.stringify(kind)}: drop, stall, close or frame`;
}
