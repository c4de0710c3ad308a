/**
 * Faults on the guest WebSocket (`emulator.messaging`, `/__emulator/messaging/...`,
 * `--messaging-fault`): what the event stream's sockets can suffer (stream-fault.ts: drop, stall,
 * close, a raw frame), plus what a Web Messaging client must survive on top: a frame sent twice,
 * two frames swapped, 4029 answers in a burst, guest messages lost, echoes lost on the way, and a
 * session that expires now.
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
      /**
       * The session's next `count` guest messages (`onMessage` requests past the rate limit and
       * validation) are taken and lost: not stored, not echoed, not answered; no frame at all.
       */
      readonly kind: 'lose';
      /** How many, at least 1. */
      readonly count: number;
    }
  | {
      /** The session's next `count` guest messages are stored and answered, but their echo (the StructuredMessage with the request's tracingId) goes to no socket. */
      readonly kind: 'withhold-echo';
      /** How many, at least 1. */
      readonly count: number;
    }
  | {
      /** The session expires now: SessionExpiredEvent on its sockets, then 4006 to what the guest asks. */
      readonly kind: 'expire';
    };

/** The faults that act on a session (the protocol's, guest-actions.ts) rather than on its sockets. */
export type SessionFault = Extract<MessagingFault, { kind: 'rate-limit' | 'lose' | 'withhold-echo' | 'expire' }>;

/** The faults that count the session's next `onMessage` requests. */
const COUNTED_KINDS: readonly unknown[] = ['rate-limit', 'lose', 'withhold-echo'] satisfies SessionFault['kind'][];

/** Whether a fault acts on the session rather than on its sockets. */
export function isSessionFault(fault: MessagingFault): fault is SessionFault {
  return fault.kind === 'expire' || COUNTED_KINDS.includes(fault.kind);
}

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
    return "the body must be { kind: 'drop' | 'stall' | 'close' | 'frame' | 'duplicate' | 'reorder' | 'rate-limit' | 'lose' | 'withhold-echo' | 'expire', … }";
  const { kind, count } = body as Record<string, unknown>;
  if (kind === 'duplicate' || kind === 'reorder' || kind === 'expire') return { kind };
  if (kind === 'rate-limit' || kind === 'lose' || kind === 'withhold-echo')
    return typeof count === 'number' && Number.isInteger(count) && count >= 1
      ? { kind, count }
      : `a ${kind} fault needs count, a whole number above 0`;
  const shared = streamFault(body);
  return typeof shared === 'string'
    ? shared.replace(
        'drop, stall, close or frame',
        'drop, stall, close, frame, duplicate, reorder, rate-limit, lose, withhold-echo or expire',
      )
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
 * `duplicate@10s`, `reorder@10s`, `rate-limit:3@20s`, `lose:1@20s`, `withhold-echo:1@20s`,
 * `expire@300s` (times in ms, `ms` or `s`).
 */
export function parseMessagingFaultRule(text: string): MessagingFaultRule {
  const usage = `--messaging-fault takes drop@EVERY, stall:DURATION@EVERY, close:CODE@EVERY, duplicate@EVERY, reorder@EVERY, rate-limit:COUNT@EVERY, lose:COUNT@EVERY, withhold-echo:COUNT@EVERY or expire@EVERY (times such as 500ms or 30s), not ${JSON.stringify(text)}`;
  const match = /^(drop|stall|close|duplicate|reorder|rate-limit|lose|withhold-echo|expire)(?::([^@]+))?@(.+)$/.exec(text);
  if (!match) throw new Error(usage);
  const [, kind, arg, every] = match;
  const counted = COUNTED_KINDS.includes(kind);
  const takesArgument = kind === 'stall' || kind === 'close' || counted;
  if (takesArgument !== (arg !== undefined)) throw new Error(usage);
  const fault =
    kind === 'stall'
      ? { kind, ms: parseTime(arg ?? '') }
      : kind === 'close'
        ? { kind, code: Number(arg) }
        : counted
          ? { kind, count: Number(arg) }
          : { kind };
  const rule = messagingFaultRule({ fault, everyMs: parseTime(every ?? '') });
  if (typeof rule === 'string') throw new Error(`${usage}: ${rule}`);
  return rule;
}
