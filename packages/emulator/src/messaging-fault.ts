/**
 * Faults on the guest WebSocket (`emulator.messaging`, `/__emulator/messaging/...`,
 * `--messaging-fault`): what the event stream's sockets can suffer (stream-fault.ts: drop, stall,
 * close, a raw frame), plus what a Web Messaging client must survive on top: a frame sent twice,
 * two frames swapped, 4029 answers in a burst, and a session that expires now.
 */
import { parseTime, streamFault, type StreamFault } from './stream-fault.js';

/** A fault on the guest sockets of one session (by its token), or on every socket by schedule. */
export type MessagingFault =
  | StreamFault
  | {
      /** The next frame to the socket goes out twice (the platform repeats itself; clients dedupe by id). */
      readonly kind: 'duplicate';
    }
  | {
      /** The next frame to the socket is held back and goes out right after the one that follows it. */
      readonly kind: 'reorder';
    }
  | {
      /** The session's next `count` `onMessage` requests are answered 4029 (TooManyRequestsErrorMessage), whatever the rate. */
      readonly kind: 'rate-limit';
      /** How many, at least 1. */
      readonly count: number;
    }
  | {
      /** The session expires now: SessionExpiredEvent on its sockets, then 4006 to what the guest asks. */
      readonly kind: 'expire';
    };

/** A messaging fault that hits every guest socket `everyMs` after it opened, and again every `everyMs`. */
export interface MessagingFaultRule {
  /** What happens to the socket (or its session). */
  readonly fault: MessagingFault;
  /** How long after it opened, and how often after that, in ms (at least 10). */
  readonly everyMs: number;
}

/** The fault a request body or a call asks for, or what is wrong with it. */
export function messagingFault(body: unknown): MessagingFault | string {
  if (typeof body !== 'object' || body === null)
    return "the body must be { kind: 'drop' | 'stall' | 'close' | 'frame' | 'duplicate' | 'reorder' | 'rate-limit' | 'expire', … }";
  const { kind, count } = body as Record<string, unknown>;
  if (kind === 'duplicate' || kind === 'reorder' || kind === 'expire') return { kind };
  if (kind === 'rate-limit')
    return typeof count === 'number' && Number.isInteger(count) && count >= 1
      ? { kind, count }
      : 'a rate-limit fault needs count, a whole number above 0';
  const shared = streamFault(body);
  return typeof shared === 'string'
    ? shared.replace('drop, stall, close or frame', 'drop, stall, close, frame, duplicate, reorder, rate-limit or expire')
    : shared;
}

/** The rule a request body or an option gives, or what is wrong with it. */
export function messagingFaultRule(rule: unknown): MessagingFaultRule | string {
  if (typeof rule !== 'object' || rule === null) return 'a messaging fault rule is { fault, everyMs }';
  const { fault, everyMs } = rule as Record<string, unknown>;
  const parsed = messagingFault(fault);
  if (typeof parsed === 'string') return parsed;
  if (typeof everyMs !== 'number' || !Number.isInteger(everyMs) || everyMs < 10) return 'everyMs must be a whole number of ms, at least 10';
  return { fault: parsed, everyMs };
}

/**
 * The CLI's `--messaging-fault` form of a rule: `drop@30s`, `stall:5s@60s`, `close:1011@45s`,
 * `duplicate@10s`, `reorder@10s`, `rate-limit:3@20s`, `expire@300s` (times in ms, `ms` or `s`).
 */
export function parseMessagingFaultRule(text: string): MessagingFaultRule {
  const usage = `--messaging-fault takes drop@EVERY, stall:DURATION@EVERY, close:CODE@EVERY, duplicate@EVERY, reorder@EVERY, rate-limit:COUNT@EVERY or expire@EVERY (times such as 500ms or 30s), not ${JSON.stringify(text)}`;
  const match = /^(drop|stall|close|duplicate|reorder|rate-limit|expire)(?::([^@]+))?@(.+)$/.exec(text);
  if (!match) throw new Error(usage);
  const [, kind, arg, every] = match;
  const takesArgument = kind === 'stall' || kind === 'close' || kind === 'rate-limit';
  if (takesArgument !== (arg !== undefined)) throw new Error(usage);
  const fault =
    kind === 'stall'
      ? { kind, ms: parseTime(arg ?? '') }
      : kind === 'close'
        ? { kind, code: Number(arg) }
        : kind === 'rate-limit'
          ? { kind, count: Number(arg) }
          : { kind };
  const rule = messagingFaultRule({ fault, everyMs: parseTime(every ?? '') });
  if (typeof rule === 'string') throw new Error(`${usage}: ${rule}`);
  return rule;
}
