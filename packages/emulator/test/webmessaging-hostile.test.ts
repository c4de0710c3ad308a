/**
 * Web Messaging against a hostile client: what a guest (or anyone on the port) sends must never
 * take the emulator down, make it hold without bound, or get an answer that is not the protocol's.
 * Waits are for frames, closes and answers, never for time.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { eventually } from '../../../test/support/time.js';
import { bodyOf, type Guest, GuestPool, isClass } from './guest-client.js';

let e: Emulator;
const guests = new GuestPool();
const session = (token: string, emulator = e): Promise<Guest> => guests.session(emulator, token);

beforeAll(async () => {
  e = await startEmulator({ seed: 31, agent: { typingDelayMs: 5, replyDelayMs: 10 }, messaging: { maxFileSizeKB: 1 } });
});

afterAll(async () => {
  guests.closeAll();
  await e?.stop();
});

/** Writes `head` on a raw TCP connection and resolves with the first line of the answer (or '' when the connection closes unanswered). */
function rawStatusLine(emulator: Emulator, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(emulator.apiUrl).port), '127.0.0.1', () => socket.write(head));
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n')) {
        resolve(text.slice(0, text.indexOf('\r\n')));
        socket.destroy();
      }
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

const upgradeTo = (target: string) =>
  `GET ${target} HTTP/1.1\r\nHost: emulator\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

describe('upgrades nobody should send', () => {
  it('answers an upgrade whose target is no URL with 400 instead of throwing out of the upgrade listener', async () => {
    expect(await rawStatusLine(e, upgradeTo('//['))).toBe('HTTP/1.1 400 Bad Request');
    expect(await rawStatusLine(e, upgradeTo('http://[::1'))).toBe('HTTP/1.1 400 Bad Request');
    const g = await session('h-after-bad-upgrade');
    expect(g.closed).toBeUndefined();
  });
});

describe('frames with the wrong shape', () => {
  it('answers an action named after an Object.prototype member as an unknown action (400), not with silence', async () => {
    const g = await session('h-proto');
    for (const action of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      g.send({ action, tracingId: `p-${action}` });
      expect(await g.next((f) => f.tracingId === `p-${action}`, `the answer to ${action}`)).toMatchObject({
        type: 'response',
        class: 'string',
        code: 400,
      });
    }
  });

  it('answers a field of the wrong type with 400 naming the field, with the request’s tracingId', async () => {
    const g = await session('h-types');
    const cases: [string, Record<string, unknown>][] = [
      ['deploymentId', { action: 'getConfiguration', deploymentId: { toString: 1 } }],
      ['fileName', { action: 'onAttachment', fileName: { toString: 1 }, fileType: 'image/png', fileSize: 1, fileMd5: 'x' }],
      ['fileType', { action: 'onAttachment', fileName: 'a.png', fileType: ['image/png'], fileSize: 1, fileMd5: 'x' }],
      ['fileSize', { action: 'onAttachment', fileName: 'a.png', fileType: 'image/png', fileSize: '1', fileMd5: 'x' }],
      ['attachmentId', { action: 'getAttachment', attachmentId: { toString: 1 } }],
      ['attachmentId', { action: 'deleteAttachment', attachmentId: 5 }],
      ['closeAllConnections', { action: 'closeSession', closeAllConnections: 'yes' }],
      ['startNew', { action: 'configureSession', deploymentId: e.webMessagingDeploymentId, startNew: 'true' }],
    ];
    for (const [index, [field, request]] of cases.entries()) {
      g.send({ ...request, tracingId: `t${index}` });
      const answer = await g.next((f) => f.tracingId === `t${index}`, `the answer to case ${index}`);
      expect(answer, `case ${index}`).toMatchObject({ class: 'string', code: 400 });
      expect(answer.body, `case ${index}`).toContain(field);
    }
    // A tracingId that is no string is one of those fields, and is not echoed back as it came.
    g.send({ action: 'getJwt', tracingId: { nested: true } });
    const mistyped = await g.next((f) => f.class === 'string' && String(f.body).includes('tracingId'));
    expect(mistyped).toMatchObject({ code: 400 });
    expect(mistyped.tracingId).toBeUndefined();
  });

  it('refuses a negative declared file size (4002)', async () => {
    const g = await session('h-negative');
    g.send({ action: 'onAttachment', tracingId: 'neg', fileName: 'a.png', fileType: 'image/png', fileSize: -1, fileMd5: 'x' });
    expect(await g.next((f) => f.tracingId === 'neg')).toMatchObject({ class: 'GenerateUrlError', body: { errorCode: 4002 } });
  });

  it('answers disconnectCustomer on a read-only session to the sender only', async () => {
    const sender = await session('h-disconnect');
    const other = await session('h-disconnect');
    e.messaging.disconnectAgent('h-disconnect');
    await sender.next((f) => f.class === 'StructuredMessage' && bodyOf(f).type === 'Event');
    await other.next((f) => f.class === 'StructuredMessage' && bodyOf(f).type === 'Event');
    sender.send({ action: 'disconnectCustomer', tracingId: 'dc' });
    expect(await sender.next((f) => f.tracingId === 'dc')).toMatchObject({ class: 'string', code: 409 });
    // A request on the other socket, answered after the 409 was written: the 409 went to the sender only.
    other.send({ action: 'getJwt', tracingId: 'witness' });
    await other.next((f) => f.tracingId === 'witness');
    expect(other.frames.some((f) => f.tracingId === 'dc')).toBe(false);
  });
});

describe('attachments from a hostile client', () => {
  async function presigned(
    g: Guest,
    tracingId: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ attachmentId: string; url: string }> {
    g.send({ action: 'onAttachment', tracingId, fileName: 'a.png', fileType: 'image/png', fileSize: 10, fileMd5: 'x', ...extra });
    const answer = await g.next((f) => f.tracingId === tracingId);
    expect(answer.class, JSON.stringify(answer)).toBe('PresignedUrlResponse');
    return bodyOf(answer) as { attachmentId: string; url: string };
  }

  it('never puts a client-chosen attachmentId that is not URL-safe into the presigned URL', async () => {
    const g = await session('h-attachment-id');
    const { attachmentId, url } = await presigned(g, 'id', { attachmentId: '../../x?y#z' });
    expect(attachmentId).not.toBe('../../x?y#z');
    expect(new URL(url).pathname).toBe(`/uploads/${attachmentId}`);
    expect((await fetch(url, { method: 'PUT', body: 'png' })).status).toBe(200);
    expect(await g.next(isClass('UploadSuccessEvent'))).toMatchObject({ body: { attachmentId } });
    // A URL-safe id of the client's own is kept (Genesys' Kotlin transport sends its own UUID).
    expect((await presigned(g, 'own', { attachmentId: '88888888-8888-8888-8888-888888888888' })).attachmentId).toBe(
      '88888888-8888-8888-8888-888888888888',
    );
  });

  it('answers a declared Content-Length over the limit at once (413) and an endless body as soon as it passes the limit', async () => {
    const g = await session('h-endless');
    const declared = await presigned(g, 'declared');
    const target = new URL(declared.url);
    const head = (headers: string) => `PUT ${target.pathname}${target.search} HTTP/1.1\r\nHost: emulator\r\n${headers}\r\n`;
    expect(await rawStatusLine(e, head('Content-Type: image/png\r\nContent-Length: 1000000000\r\n'))).toBe(
      'HTTP/1.1 413 Payload Too Large',
    );
    expect(await g.next(isClass('UploadFailureEvent'))).toMatchObject({ body: { attachmentId: declared.attachmentId, errorCode: 4002 } });

    const endless = new URL((await presigned(g, 'endless')).url);
    const socket: Socket = connect(Number(endless.port), '127.0.0.1');
    await once(socket, 'connect');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => {}); // the emulator may close while this side still writes
    socket.write(`PUT ${endless.pathname}${endless.search} HTTP/1.1\r\nHost: emulator\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = Buffer.alloc(16 * 1024, 1);
    let sent = 0;
    // The limit is 1 KB: an emulator that reads to the end is still reading after 32 MB.
    while (answer === '' && !socket.destroyed && sent < 32 * 1024 * 1024) {
      const flushed = socket.write(`${chunk.length.toString(16)}\r\n`) && socket.write(chunk) && socket.write('\r\n');
      sent += chunk.length;
      if (!flushed) await Promise.race([once(socket, 'drain'), once(socket, 'close'), once(socket, 'data')]);
    }
    if (answer === '' && !socket.destroyed) await Promise.race([once(socket, 'data'), once(socket, 'close')]);
    socket.destroy();
    expect(answer.slice(0, answer.indexOf('\r\n'))).toBe('HTTP/1.1 413 Payload Too Large');
    expect(sent).toBeLessThan(32 * 1024 * 1024);
    expect(await g.next(isClass('UploadFailureEvent'))).toMatchObject({ body: { errorCode: 4002 } });
    // And the emulator still answers.
    expect((await fetch(`${e.apiUrl}/__emulator/stats`)).status).toBe(200);
  });
});

describe('a guest that never reads', () => {
  it('is cut off once what waits to be sent to it passes the bound, instead of being buffered without end', async () => {
    const g = await session('h-slow');
    // The client stops reading: the emulator's answers pile up on its side.
    (g.ws as unknown as { _socket: Socket })._socket.pause();
    const request = JSON.stringify({
      action: 'echo',
      token: 'h-slow',
      tracingId: 'x',
      message: { type: 'Text', text: 'y'.repeat(60_000) },
    });
    const serverSide = (): number => e.stats.openGuestSockets;
    const before = serverSide();
    // 64 MB of echo answers: far past any bound a guest socket may hold.
    for (let i = 0; i < 1_100 && serverSide() === before; i++) {
      g.ws.send(request);
      if (i % 50 === 49) await new Promise<void>((resolve) => g.ws.send('', () => resolve()));
    }
    await eventually(() => expect(serverSide(), 'the emulator kept the socket of a guest that never reads').toBeLessThan(before));
  });
});

describe('what the emulator holds', () => {
  it('keeps at most messaging.maxSessions sessions: the least recently created one is forgotten (4007)', async () => {
    const small = await startEmulator({ seed: 32, messaging: { maxSessions: 2 } });
    try {
      const first = await session('h-cap-1', small);
      await session('h-cap-2', small);
      const third = await session('h-cap-3', small);
      expect(((await (await fetch(`${small.apiUrl}/__emulator/stats`)).json()) as { guestSessions: number }).guestSessions).toBe(2);
      first.send({ action: 'getJwt', tracingId: 'evicted' });
      expect(await first.next((f) => f.tracingId === 'evicted')).toMatchObject({ class: 'string', code: 4007 });
      third.send({ action: 'getJwt', tracingId: 'kept' });
      expect((await third.next((f) => f.tracingId === 'kept')).class).toBe('JwtResponse');
    } finally {
      await small.stop();
    }
  });

  it('keeps at most messaging.maxStoredBytes of messages and files: other sessions go first, then the oldest of its own', async () => {
    const small = await startEmulator({ seed: 33, messaging: { maxFileSizeKB: 40, maxStoredBytes: 50_000 } });
    try {
      const upload = async (g: Guest, tracingId: string): Promise<string> => {
        g.send({ action: 'onAttachment', tracingId, fileName: 'a.png', fileType: 'image/png', fileSize: 30_000, fileMd5: 'x' });
        const { attachmentId, url } = bodyOf(await g.next((f) => f.tracingId === tracingId)) as { attachmentId: string; url: string };
        expect((await fetch(url, { method: 'PUT', body: Buffer.alloc(30_000) })).status).toBe(200);
        await g.next((f) => f.class === 'UploadSuccessEvent' && bodyOf(f).attachmentId === attachmentId);
        return attachmentId;
      };
      const a = await session('h-bytes-a', small);
      await upload(a, 'a1');
      const b = await session('h-bytes-b', small);
      const b1 = await upload(b, 'b1');
      a.send({ action: 'getJwt', tracingId: 'a-gone' });
      expect(await a.next((f) => f.tracingId === 'a-gone')).toMatchObject({ code: 4007 });
      await upload(b, 'b2');
      b.send({ action: 'getAttachment', attachmentId: b1, tracingId: 'b1-gone' });
      expect(await b.next((f) => f.tracingId === 'b1-gone')).toMatchObject({ class: 'string', code: 4009 });
    } finally {
      await small.stop();
    }
  });

  it('keeps one live resume token per session, however many are asked for', async () => {
    const g = await session('h-resume-flood');
    for (let i = 0; i < 3; i++) g.send({ action: 'resumeToken', tracingId: `rt${i}` });
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) tokens.push(String(bodyOf(await g.next((f) => f.tracingId === `rt${i}`)).resumeToken));
    const other = await guests.connect(e, 'h-resume-flood-new');
    other.send({ action: 'configureSession', deploymentId: e.webMessagingDeploymentId, resumeToken: tokens[0], tracingId: 'old' });
    expect(await other.next((f) => f.tracingId === 'old')).toMatchObject({ class: 'string', code: 4007 });
    other.send({ action: 'configureSession', deploymentId: e.webMessagingDeploymentId, resumeToken: tokens[2], tracingId: 'newest' });
    expect(await other.next((f) => f.tracingId === 'newest')).toMatchObject({ class: 'SessionResponse', body: { newSession: false } });
  });
});
