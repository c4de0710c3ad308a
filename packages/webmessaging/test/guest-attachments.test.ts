/**
 * A guest session's attachments against the emulator: a Buffer and a stream uploaded (onAttachment,
 * the PUT to the presigned URL through the client's pipeline, UploadSuccessEvent), sent in a
 * message whose echo carries them, downloaded over HTTP, deleted; what the deployment's rules
 * refuse, refused before any byte is PUT; a stream that breaks its declared size; the server's
 * refusals (UploadFailureEvent, a 413) as typed errors with their protocol code; an abort mid-upload;
 * a drop between the PUT and the verdict. No error holds a presigned URL. Waits are on events.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { getEventListeners } from 'node:events';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { sessionClient, startSessionEmulator } from './session-emulator.js';
import {
  AbortError,
  GuestSessionError,
  type Middleware,
  ValidationError,
  WebMessagingAPI,
  type WebMessagingAPIOptions,
} from '@switchboard/webmessaging';
import { sized } from '../src/attachment-upload.js';
import { parseGuestFrame } from '../src/guest-frame.js';
import { textMessageRequest } from '../src/guest-request.js';
import { type AttachmentsHost, SessionAttachments } from '../src/session-attachments.js';

/** The PUT's operation, as events and middleware see it. */
const PUT = 'putWebmessagingAttachmentUpload';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startSessionEmulator();
});
afterAll(() => emulator.stop());

const api = (extra: Partial<WebMessagingAPIOptions> = {}, on: Emulator = emulator): WebMessagingAPI => sessionClient(on, extra);

/**
 * Every HTTP request that leaves the process (both transports create theirs through undici, which
 * tells `undici:request:create`): what the emulator could have seen, method and path.
 */
const wire: { method: string; path: string }[] = [];
const onRequest = (message: unknown): void => {
  const { request } = message as { request: { method: string; path: string } };
  wire.push({ method: request.method, path: request.path });
};
beforeAll(() => subscribe('undici:request:create', onRequest));
afterAll(() => unsubscribe('undici:request:create', onRequest));
afterEach(() => void wire.splice(0));
const uploadsSeen = () => wire.filter((request) => request.method === 'PUT' && request.path.startsWith('/uploads/'));

/** Every error a test met: none may hold a URL (a presigned URL is a credential) or a file's name. */
const errors: unknown[] = [];
async function failure(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  errors.push(error);
  return error;
}

/** Expects the server's refusal: a GuestSessionError `rejected` with the protocol's code and Genesys' name for it. */
async function expectRefused(promise: Promise<unknown>, protocolCode: number, errorName: string): Promise<void> {
  const error = await failure(promise);
  expect(error).toBeInstanceOf(GuestSessionError);
  expect(error).toMatchObject({ failure: 'rejected', protocolCode, errorName });
}

/** Bytes that are not all one value, so that a mix-up shows. */
function bytes(length: number, seed = 7): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

async function download(url: string): Promise<Buffer> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

describe('attachments of a guest session', () => {
  it('uploads a Buffer through the client’s pipeline, resolves at UploadSuccessEvent, and its download URL gives the bytes back', async () => {
    const client = api();
    const session = await client.startSession();
    const attempts: { operationId: string; url: string }[] = [];
    client.on('attempt.start', (event) => attempts.push({ operationId: event.operationId, url: event.url }));
    const file = bytes(50_000);
    const uploaded = await session.uploadAttachment(file, { fileName: 'receipt.png', fileType: 'image/png' });
    expect(uploaded).toMatchObject({ fileName: 'receipt.png', fileType: 'image/png', fileSize: 50_000 });
    expect(uploaded.attachmentId).toMatch(/^[\w-]+$/);
    expect(typeof uploaded.uploadedAt).toBe('string');
    expect(await download(uploaded.downloadUrl)).toEqual(file);
    // The PUT went through the pipeline: its event names it, with the URL's signature hidden.
    const put = attempts.find((attempt) => attempt.operationId === PUT);
    expect(put?.url).toContain('/uploads/');
    expect(put?.url).toContain('signature=[REDACTED]');
    // A fresh download URL, over getAttachment.
    expect(await download(await session.attachmentUrl(uploaded.attachmentId))).toEqual(file);
    await client.close();
  });

  it('uploads a stream of its declared size, passed through chunk by chunk', async () => {
    const client = api();
    const session = await client.startSession();
    const parts = [bytes(20_000, 1), bytes(30_000, 2), bytes(12_345, 3)];
    const whole = Buffer.concat(parts);
    const uploaded = await session.uploadAttachment(Readable.from(parts), {
      fileName: 'scan.pdf',
      fileType: 'application/pdf',
      fileSize: whole.length,
    });
    expect(uploaded.fileSize).toBe(whole.length);
    expect(await download(uploaded.downloadUrl)).toEqual(whole);
    await client.close();
  });

  it('uploads a Buffer and a stream the same way on the undici transport', async () => {
    const client = api({ transport: 'undici' });
    const session = await client.startSession();
    const file = bytes(30_000, 5);
    const fromBuffer = await session.uploadAttachment(file, { fileName: 'u.png', fileType: 'image/png' });
    const fromStream = await session.uploadAttachment(Readable.from([file.subarray(0, 10_000), file.subarray(10_000)]), {
      fileName: 'u.png',
      fileType: 'image/png',
      fileSize: file.length,
    });
    expect(await download(fromBuffer.downloadUrl)).toEqual(file);
    expect(await download(fromStream.downloadUrl)).toEqual(file);
    await client.close();
  });

  it('sends uploads in a message through the send path: the echo carries them, with or without text', async () => {
    const client = api();
    const session = await client.startSession();
    const inbound: string[] = [];
    session.on('message', (event) => {
      if (event.message.direction === 'Inbound') inbound.push(event.message.id);
    });
    const first = await session.uploadAttachment(bytes(1_000), { fileName: 'a.png', fileType: 'image/png' });
    const second = await session.uploadAttachment(bytes(2_000), { fileName: 'b.gif', fileType: 'image/gif' });
    const sent = await session.sendMessage('Here are both', { attachmentIds: [first.attachmentId, second.attachmentId] });
    expect(sent).toMatchObject({ direction: 'Inbound', text: 'Here are both' });
    expect(sent.attachments).toEqual([
      expect.objectContaining({ id: first.attachmentId, filename: 'a.png', mime: 'image/png', mediaType: 'Image', fileSize: 1_000 }),
      expect.objectContaining({ id: second.attachmentId, filename: 'b.gif', mime: 'image/gif', fileSize: 2_000 }),
    ]);
    expect(await download(sent.attachments[0]?.url ?? '')).toEqual(bytes(1_000));
    // The same content, as its raw elements.
    expect(sent.content.map((element) => element.contentType)).toEqual(['Attachment', 'Attachment']);
    const alone = await session.sendMessage('', { attachmentIds: [first.attachmentId] });
    expect(alone.attachments.map((attachment) => attachment.id)).toEqual([first.attachmentId]);
    // Delivered as events too, once each, in order (after the reorder window).
    await expect.poll(() => inbound, { timeout: 5_000 }).toEqual([sent.id, alone.id]);
    // Paced and echo-settled like any message.
    expect(session.stats).toMatchObject({ echoed: 2 });
    await client.close();
  });

  it('refuses in a message an attachment the server does not know (4009), as the send path refuses', async () => {
    const client = api();
    const session = await client.startSession();
    await expectRefused(session.sendMessage('see attached', { attachmentIds: ['no-such-attachment'] }), 4009, 'AttachmentNotFound');
    await client.close();
  });

  it('deletes an attachment; getAttachment then answers 4009, and so does a second delete', async () => {
    const client = api();
    const session = await client.startSession();
    const uploaded = await session.uploadAttachment(bytes(3_000), { fileName: 'gone.jpg', fileType: 'image/jpeg' });
    await session.deleteAttachment(uploaded.attachmentId);
    await expectRefused(session.attachmentUrl(uploaded.attachmentId), 4009, 'AttachmentNotFound');
    await expectRefused(session.deleteAttachment(uploaded.attachmentId), 4009, 'AttachmentNotFound');
    // Its old download URL gives nothing any more.
    expect((await fetch(uploaded.downloadUrl)).status).toBe(403);
    await client.close();
  });

  it('refuses before any byte is PUT what the deployment’s rules refuse: a type, an extension, a size over its limit', async () => {
    const client = api();
    const session = await client.startSession();
    const type = await failure(session.uploadAttachment(bytes(10), { fileName: 'notes.txt', fileType: 'text/plain' }));
    expect(type).toBeInstanceOf(ValidationError);
    expect((type as ValidationError).problems.map((p) => p.pointer)).toEqual(['/fileType']);
    expect((type as ValidationError).message).toContain('is not a type the deployment allows');
    const extension = await failure(session.uploadAttachment(bytes(10), { fileName: 'photo.PNG.EXE', fileType: 'image/png' }));
    expect((extension as ValidationError).problems.map((p) => p.pointer)).toEqual(['/fileName']);
    expect((extension as ValidationError).message).toContain('an extension the deployment blocks');
    // The emulator's limit: 10 MB.
    const size = await failure(session.uploadAttachment(Buffer.alloc(10_240 * 1_024 + 1), { fileName: 'big.png', fileType: 'image/png' }));
    expect((size as ValidationError).problems.map((p) => p.pointer)).toEqual(['/fileSize']);
    expect((size as ValidationError).message).toContain('at most 10240 KB');
    // A stream declared too large is refused as well, unread.
    let read = false;
    async function* untouched(): AsyncGenerator<Uint8Array> {
      read = true;
      yield await Promise.resolve(new Uint8Array(1));
    }
    await failure(session.uploadAttachment(untouched(), { fileName: 'big.png', fileType: 'image/png', fileSize: 10_240 * 1_024 + 1 }));
    expect(read).toBe(false);
    expect(uploadsSeen()).toEqual([]);
    await client.close();
  });

  it('refuses bad input before anything is sent, naming the field and never the value', async () => {
    const client = api();
    const session = await client.startSession();
    const error = await failure(session.uploadAttachment(Readable.from([bytes(4)]), { fileName: ' ', fileType: 'png' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.pointer)).toEqual(['/fileName', '/fileType', '/fileSize']);
    const mismatch = await failure(session.uploadAttachment(bytes(4), { fileName: 'x.png', fileType: 'image/png', fileSize: 5 }));
    expect((mismatch as ValidationError).problems.map((p) => p.pointer)).toEqual(['/fileSize']);
    expect(await failure(session.uploadAttachment('text' as never, { fileName: 'x.png', fileType: 'image/png' }))).toBeInstanceOf(
      ValidationError,
    );
    expect(await failure(session.attachmentUrl(''))).toBeInstanceOf(ValidationError);
    expect(uploadsSeen()).toEqual([]);
    await client.close();
  });

  it('refuses a stream longer than declared without sending past its size, and one shorter too; nothing is stored', async () => {
    const client = api();
    const session = await client.startSession();
    const long = await failure(
      session.uploadAttachment(Readable.from([bytes(6_000), bytes(6_000)]), {
        fileName: 'long.png',
        fileType: 'image/png',
        fileSize: 8_000,
      }),
    );
    expect(long).toBeInstanceOf(ValidationError);
    expect((long as ValidationError).problems).toEqual([{ pointer: '/file', message: 'has more bytes than its fileSize (8000)' }]);
    const short = await failure(
      session.uploadAttachment(Readable.from([bytes(6_000)]), { fileName: 'short.png', fileType: 'image/png', fileSize: 8_000 }),
    );
    expect((short as ValidationError).problems).toEqual([{ pointer: '/file', message: 'has fewer bytes than its fileSize (8000)' }]);
    // Both PUTs went out and were cut: neither attachment was stored.
    const ids = uploadsSeen().map((request) => /^\/uploads\/([^?]+)/.exec(request.path)?.[1] ?? '');
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(await failure(session.attachmentUrl(id))).toMatchObject({ protocolCode: 4010 });
    await client.close();
  });

  it('surfaces the server’s UploadFailureEvent as a typed error with its code (an empty file: 4003)', async () => {
    const client = api();
    const session = await client.startSession();
    await expectRefused(
      session.uploadAttachment(Buffer.alloc(0), { fileName: 'empty.png', fileType: 'image/png' }),
      4003,
      'FileContentInvalid',
    );
    await client.close();
  });

  it('stops at an abort mid-upload: rejects with AbortError, stops the stream, leaves no listener and nothing stored', async () => {
    const client = api();
    const session = await client.startSession();
    const controller = new AbortController();
    let firstOut!: () => void;
    const firstChunk = new Promise<void>((resolve) => (firstOut = resolve));
    // A stream that gives one chunk, then nothing more (a stalled source): the upload waits on it until aborted.
    let firstChunkGiven = false;
    const stalled = new Readable({
      read() {
        if (this.readableLength === 0 && !firstChunkGiven) {
          firstChunkGiven = true;
          this.push(bytes(1_000));
          firstOut();
        }
      },
    });
    const upload = session.uploadAttachment(stalled, {
      fileName: 'slow.png',
      fileType: 'image/png',
      fileSize: 5_000,
      signal: controller.signal,
    });
    await firstChunk;
    await expect.poll(() => uploadsSeen().length).toBe(1);
    controller.abort(new Error('the guest left'));
    expect(await failure(upload)).toBeInstanceOf(AbortError);
    // Stopped while it waited for its next chunk: destroyed, not left open.
    await expect.poll(() => stalled.destroyed).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const id = /^\/uploads\/([^?]+)/.exec(uploadsSeen()[0]?.path ?? '')?.[1] ?? '';
    expect(await failure(session.attachmentUrl(id))).toMatchObject({ protocolCode: 4010 });
    // The session goes on.
    expect((await session.sendMessage('still here')).text).toBe('still here');
    await client.close();
  });

  it('settles an upload whose verdict a drop took: it asks how the attachment stands on the next connection', async () => {
    let token = '';
    // Drops the guest's socket right before the PUT goes: the server's UploadSuccessEvent finds no socket.
    const dropBeforePut: Middleware = {
      name: 'drop-before-put',
      phase: 'operation',
      handle: (ctx, next) => {
        if (ctx.route.operationId === PUT) emulator.messaging.drop(token);
        return next();
      },
    };
    const client = api({ middleware: [dropBeforePut] });
    const session = await client.startSession();
    token = session.token;
    const file = bytes(4_000);
    const uploaded = await session.uploadAttachment(file, { fileName: 'dropped.png', fileType: 'image/png' });
    // Its word came from getAttachment, which has no time.
    expect(uploaded.uploadedAt).toBeUndefined();
    expect(await download(uploaded.downloadUrl)).toEqual(file);
    await client.close();
  });

  it('rejects uploads of a session that has closed, and an upload in flight when it closes', async () => {
    const client = api();
    const session = await client.startSession();
    async function* endless(): AsyncGenerator<Uint8Array> {
      yield bytes(1_000);
      await new Promise(() => undefined);
    }
    const upload = session.uploadAttachment(endless(), { fileName: 'slow.png', fileType: 'image/png', fileSize: 5_000 });
    await expect.poll(() => uploadsSeen().length).toBe(1);
    const outcome = failure(upload);
    await session.close();
    expect(await outcome).toMatchObject({ failure: 'closed' });
    expect(await failure(session.uploadAttachment(bytes(1), { fileName: 'late.png', fileType: 'image/png' }))).toMatchObject({
      failure: 'closed',
    });
    await client.close();
  });

  it('puts no URL and no file name in any error it gave', () => {
    expect(errors.length).toBeGreaterThan(15);
    for (const error of errors) {
      const text = `${String((error as Error).message)} ${JSON.stringify(error)}`;
      expect(text).not.toMatch(/:\/\/|signature|\/uploads\/|\/downloads\//);
      expect(text).not.toMatch(/\.png|\.pdf|\.jpg|\.gif|\.txt|\.exe/i);
    }
  });
});

describe('the storage’s 413 when the deployment’s limit shrank after the session read it', () => {
  let small: Emulator;
  beforeAll(async () => {
    small = await startEmulator({ port: 0, messaging: { maxFileSizeKB: 64 } });
  });
  afterAll(() => small.stop());

  /** The deployment's size limit, changed as an admin would: a new configuration version, published and deployed. */
  async function shrinkTo(maxFileSizeKB: number): Promise<void> {
    const admin = new WebMessagingAPI({
      baseUrl: small.apiUrl,
      loginUrl: small.loginUrl,
      oauth: { clientId: small.client.clientId, clientSecret: small.client.clientSecret },
    });
    const deploymentId = small.webMessagingDeploymentId;
    const deployment = (await admin.getWebdeploymentsDeployment({ deploymentId })).data;
    const configurationId = deployment.configuration?.id ?? '';
    const draft = (await admin.getWebdeploymentsConfigurationVersionsDraft({ configurationId })).data;
    const messenger = {
      ...draft.messenger,
      fileUpload: { enableAttachments: true, modes: [{ fileTypes: ['image/png'], maxFileSizeKB }] },
    };
    await admin.putWebdeploymentsConfigurationVersionsDraft({ configurationId, body: { ...draft, messenger } as typeof draft });
    const published = (await admin.postWebdeploymentsConfigurationVersionsDraftPublish({ configurationId })).data;
    await admin.putWebdeploymentsDeployment({
      deploymentId,
      body: { ...deployment, configuration: { ...deployment.configuration, id: configurationId, version: published.version ?? '' } },
    });
    await admin.close();
  }

  it('rejects with 4002 (the UploadFailureEvent, or the 413 itself), with no URL in the error', async () => {
    // Shrinks the limit between the presigned URL and its PUT: the storage then takes no more than 1 KB.
    const shrinkBeforePut: Middleware = {
      name: 'shrink-before-put',
      phase: 'operation',
      handle: async (ctx, next) => {
        if (ctx.route.operationId === PUT) await shrinkTo(1);
        return next();
      },
    };
    const client = api({ middleware: [shrinkBeforePut], retry: false }, small);
    const session = await client.startSession();
    await expectRefused(session.uploadAttachment(bytes(20_000), { fileName: 'late.png', fileType: 'image/png' }), 4002, 'FileSizeInvalid');
    expect(String((errors.at(-1) as Error).message)).not.toMatch(/:\/\/|signature|late\.png/);
    await client.close();
  });
});

describe('the parts', () => {
  it('passes a stream’s chunks through and never past its declared size', async () => {
    const passed: number[] = [];
    const error = await (async () => {
      for await (const chunk of sized(Readable.from([bytes(3), bytes(3), bytes(3)]), 7)) passed.push(chunk.length);
    })().catch((e: unknown) => e);
    expect(passed).toEqual([3, 3]);
    expect(error).toBeInstanceOf(ValidationError);
    const exact: number[] = [];
    for await (const chunk of sized(Readable.from([bytes(3), bytes(4)]), 7)) exact.push(chunk.length);
    expect(exact).toEqual([3, 4]);
    await expect(
      (async () => {
        for await (const _ of sized(Readable.from(['text']), 4)) void _;
      })(),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('builds onMessage with attachments as Genesys’ Kotlin transport does: a Text message whose content names each by id', () => {
    const frame = JSON.parse(textMessageRequest({ token: 't', tracingId: 'x', text: '', attachmentIds: ['a1', 'a2'] })) as unknown;
    expect(frame).toEqual({
      token: 't',
      tracingId: 'x',
      action: 'onMessage',
      message: {
        text: '',
        content: [
          { contentType: 'Attachment', attachment: { id: 'a1' } },
          { contentType: 'Attachment', attachment: { id: 'a2' } },
        ],
        type: 'Text',
      },
    });
    expect(() => textMessageRequest({ token: 't', tracingId: 'x', text: '' })).toThrow(ValidationError);
    expect(() => textMessageRequest({ token: 't', tracingId: 'x', text: 'hi', attachmentIds: [''] })).toThrow(ValidationError);
  });
});

describe('the requests of the attachments (a session of their own)', () => {
  /** A host whose socket is a list of the frames sent, always ready. */
  function fakeHost(): AttachmentsHost & { readonly sent: Record<string, unknown>[] } {
    const sent: Record<string, unknown>[] = [];
    return {
      sent,
      token: 'token',
      deploymentId: 'deployment',
      client: undefined,
      verdictMs: 1_000,
      send: (frame) => (sent.push(JSON.parse(frame) as Record<string, unknown>), true),
      whenReady: () => Promise.resolve(),
      ended: () => undefined,
      readOnly: () => false,
    };
  }
  const frame = (cls: string, body: unknown, extra: Record<string, unknown> = {}) =>
    parseGuestFrame(JSON.stringify({ type: 'response', class: cls, code: 200, body, ...extra }));

  it('takes an answer without a tracingId by the attachment it names, as Genesys’ fixtures send some', async () => {
    const host = fakeHost();
    const attachments = new SessionAttachments(host);
    const url = attachments.downloadUrl('att-1', undefined);
    await expect.poll(() => host.sent.length).toBe(1);
    expect(host.sent[0]).toMatchObject({ action: 'getAttachment', attachmentId: 'att-1' });
    // Another attachment's answer is not this one's.
    expect(attachments.read(frame('PresignedUrlResponse', { attachmentId: 'att-2', headers: {}, url: 'https://x.test/2' }))).toBe(false);
    expect(attachments.read(frame('PresignedUrlResponse', { attachmentId: 'att-1', headers: {}, url: 'https://x.test/1' }))).toBe(true);
    await expect(url).resolves.toBe('https://x.test/1');
  });

  it('asks again on the next connection when the connection goes before the answer', async () => {
    const host = fakeHost();
    const attachments = new SessionAttachments(host);
    const deleted = attachments.delete('att-1', undefined);
    await expect.poll(() => host.sent.length).toBe(1);
    attachments.connectionLost(false);
    await expect.poll(() => host.sent.length).toBe(2);
    const [first, second] = host.sent;
    expect(second).toMatchObject({ action: 'deleteAttachment', attachmentId: 'att-1' });
    expect(second?.tracingId).not.toBe(first?.tracingId);
    // The first one's answer, should it still come, is no one's.
    expect(attachments.read(frame('AttachmentDeletedResponse', { attachmentId: 'att-1' }, { tracingId: first?.tracingId }))).toBe(false);
    expect(attachments.read(frame('AttachmentDeletedResponse', { attachmentId: 'att-1' }, { tracingId: second?.tracingId }))).toBe(true);
    await expect(deleted).resolves.toBeUndefined();
  });

  it('rejects with an error frame’s code, and lets go of a request whose signal aborts', async () => {
    const host = fakeHost();
    const attachments = new SessionAttachments(host);
    const url = attachments.downloadUrl('att-1', undefined);
    await expect.poll(() => host.sent.length).toBe(1);
    attachments.read(
      parseGuestFrame(JSON.stringify({ type: 'response', class: 'string', code: 4010, body: 'no', tracingId: host.sent[0]?.tracingId })),
    );
    await expect(url).rejects.toMatchObject({ failure: 'rejected', protocolCode: 4010, errorName: 'AttachmentNotSuccessfullyUploaded' });
    const controller = new AbortController();
    const aborted = attachments.delete('att-2', controller.signal);
    await expect.poll(() => host.sent.length).toBe(2);
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // Nothing waits any more: a late answer is no one's.
    expect(attachments.read(frame('AttachmentDeletedResponse', { attachmentId: 'att-2' }, { tracingId: host.sent[1]?.tracingId }))).toBe(
      false,
    );
  });
});
