/**
 * A raw Web Messaging guest for the emulator's tests: a `ws` WebSocket that sends the frames of
 * spec/webmessaging-guest-protocol.notes.json (clientFrames) and waits for server frames by what
 * they are, never by how long they take. Deliberately not our client.
 */
import { WebSocket } from 'ws';
import type { Emulator } from '@switchboard/emulator';

export interface Frame {
  readonly type: string;
  readonly class: string;
  readonly code: number;
  readonly body: unknown;
  readonly tracingId?: string;
}

/** Generous: a slow, loaded machine still answers within it; a missing frame fails the test rather than hanging it. */
const WAIT_MS = 10_000;

export class Guest {
  readonly frames: Frame[] = [];
  /** Raw texts that were not a JSON object (a fault's frame). */
  readonly raw: string[] = [];
  readonly #taken = new Set<number>();
  readonly #waiters = new Set<() => void>();
  closed: { code: number; reason: string } | undefined;

  private constructor(
    readonly ws: WebSocket,
    readonly token: string,
    readonly deploymentId: string,
  ) {
    ws.on('message', (data) => {
      const text = (data as Buffer).toString('utf8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (typeof parsed === 'object' && parsed !== null) this.frames.push(parsed as Frame);
      else this.raw.push(text);
      for (const wake of this.#waiters) wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const wake of this.#waiters) wake();
    });
  }

  /** Opens a socket on the emulator's `/v1` (the deployment it starts with unless told otherwise). */
  static async connect(e: Emulator, token: string, deploymentId = e.webMessagingDeploymentId): Promise<Guest> {
    const ws = new WebSocket(`${e.webMessagingUrl}?deploymentId=${encodeURIComponent(deploymentId)}&application=switchboard-tests`);
    const guest = new Guest(ws, token, deploymentId);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return guest;
  }

  send(request: Record<string, unknown>): void {
    this.ws.send(JSON.stringify({ token: this.token, ...request }));
  }

  /** configureSession (the notes' client frame), and its SessionResponse. */
  async configure(extra: Record<string, unknown> = {}): Promise<Frame> {
    this.send({ action: 'configureSession', deploymentId: this.deploymentId, tracingId: 'configure', ...extra });
    return this.next((f) => f.tracingId === 'configure' || f.class === 'string');
  }

  /** onMessage with a Text message. */
  say(text: string, tracingId = `say-${Math.random().toString(36).slice(2)}`, extra: Record<string, unknown> = {}): string {
    this.send({ action: 'onMessage', tracingId, message: { type: 'Text', text }, ...extra });
    return tracingId;
  }

  /** The first frame not yet taken that matches, waiting for it when it has not come yet. */
  next(matches: (frame: Frame) => boolean, what = 'a matching frame'): Promise<Frame> {
    return new Promise<Frame>((resolve, reject) => {
      const look = (): boolean => {
        const index = this.frames.findIndex((f, i) => !this.#taken.has(i) && matches(f));
        if (index < 0) return false;
        this.#taken.add(index);
        resolve(this.frames[index] as Frame);
        return true;
      };
      if (look()) return;
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        reject(new Error(`no ${what} within ${WAIT_MS} ms; frames: ${JSON.stringify(this.frames)}`));
      }, WAIT_MS);
      const wake = () => {
        if (look()) {
          clearTimeout(timer);
          this.#waiters.delete(wake);
        }
      };
      this.#waiters.add(wake);
    });
  }

  /** Waits until the socket has closed. */
  async whenClosed(): Promise<{ code: number; reason: string }> {
    if (this.closed) return this.closed;
    return new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  close(): void {
    this.ws.close(1000, 'Guest client disconnect');
  }
}

/** The guests a test file opens, closed together after it. */
export class GuestPool {
  readonly #guests: Guest[] = [];

  /** Opens a socket (see {@link Guest.connect}). */
  async connect(e: Emulator, token: string, deploymentId?: string): Promise<Guest> {
    const g = await Guest.connect(e, token, deploymentId);
    this.#guests.push(g);
    return g;
  }

  /** Opens a socket and configures a session on it. */
  async session(e: Emulator, token: string): Promise<Guest> {
    const g = await this.connect(e, token);
    await g.configure();
    return g;
  }

  closeAll(): void {
    for (const g of this.#guests) g.close();
  }
}

export const isClass = (cls: string) => (f: Frame) => f.class === cls;
export const bodyOf = (f: Frame) => f.body as Record<string, unknown>;
/** A StructuredMessage from the agent that is a message (not a typing or presence event). */
export const agentMessage = (f: Frame) =>
  f.class === 'StructuredMessage' && bodyOf(f).direction === 'Outbound' && bodyOf(f).type !== 'Event';
export const typingEvent = (f: Frame) =>
  f.class === 'StructuredMessage' &&
  bodyOf(f).type === 'Event' &&
  ((bodyOf(f).events as { eventType: string }[] | undefined) ?? []).some((e) => e.eventType === 'Typing');
