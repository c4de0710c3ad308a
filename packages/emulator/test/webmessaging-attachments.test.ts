/** Web Messaging attachments: onAttachment → PresignedUrlResponse → PUT to the emulator's URL → UploadSuccessEvent or UploadFailureEvent. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { agentMessage, bodyOf, Guest, isClass } from './guest-client.js';

let e: Emulator;
let g: Guest;

beforeAll(async () => {
  e = await startEmulator({ seed: 11, agent: { typingDelayMs: 5, replyDelayMs: 10 }, messaging: { maxFileSizeKB: 1 } });
  g = await Guest.connect(e, 'token-attachments');
  await g.configure();
});

afterAll(async () => {
  g?.close();
  await e?.stop();
});

function askUpload(fileName: string, fileType: string, fileSize: number, tracingId: string): void {
  g.send({ action: 'onAttachment', tracingId, fileName, fileType, fileSize, fileMd5: 'ignored' });
}

describe('attachments', () => {
  it('uploads through the presigned URL, sends the attachment in a message, reads it back, and deletes it', async () => {
    askUpload('receipt.pdf', 'application/pdf', 5, 'up');
    const presigned = await g.next((f) => f.tracingId === 'up');
    expect(presigned).toMatchObject({
      type: 'response',
      class: 'PresignedUrlResponse',
      code: 200,
      body: { headers: {}, fileName: 'receipt.pdf', fileType: 'application/pdf' },
    });
    const { attachmentId, url } = bodyOf(presigned) as { attachmentId: string; url: string };
    expect(url.startsWith(e.apiUrl)).toBe(true);
    expect((await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/pdf' }, body: 'hello' })).status).toBe(200);
    const success = await g.next(isClass('UploadSuccessEvent'));
    expect(success).toMatchObject({
      type: 'message',
      code: 200,
      body: { attachmentId, downloadUrl: expect.any(String) as unknown, timestamp: expect.any(String) as unknown },
    });
    expect(await (await fetch(String(bodyOf(success).downloadUrl))).text()).toBe('hello');

    g.send({
      action: 'onMessage',
      tracingId: 'with-file',
      message: { type: 'Text', text: 'my receipt', content: [{ contentType: 'Attachment', attachment: { id: attachmentId } }] },
    });
    const echo = await g.next((f) => f.tracingId === 'with-file');
    expect(bodyOf(echo).content).toMatchObject([
      {
        contentType: 'Attachment',
        attachment: { id: attachmentId, filename: 'receipt.pdf', mediaType: 'File', fileSize: 5, mime: 'application/pdf' },
      },
    ]);
    expect(bodyOf(await g.next(agentMessage)).text).toContain('1 attachment');

    g.send({ action: 'getAttachment', attachmentId, tracingId: 'get' });
    expect(await g.next((f) => f.tracingId === 'get')).toMatchObject({ class: 'PresignedUrlResponse', body: { attachmentId } });
    g.send({ action: 'deleteAttachment', attachmentId, tracingId: 'delete' });
    expect(await g.next((f) => f.tracingId === 'delete')).toMatchObject({
      type: 'message',
      class: 'AttachmentDeletedResponse',
      body: { attachmentId },
    });
    g.send({ action: 'getAttachment', attachmentId, tracingId: 'gone' });
    expect(await g.next((f) => f.tracingId === 'gone')).toMatchObject({ class: 'string', code: 4009 });
  });

  it('refuses what the deployment does not allow: a type (4001), a blocked extension (4001), a declared size (4002)', async () => {
    askUpload('clip.mp4', 'video/mp4', 10, 'type');
    expect(await g.next((f) => f.tracingId === 'type')).toMatchObject({ class: 'GenerateUrlError', body: { errorCode: 4001 } });
    askUpload('setup.exe', 'image/png', 10, 'ext');
    expect(await g.next((f) => f.tracingId === 'ext')).toMatchObject({ class: 'GenerateUrlError', body: { errorCode: 4001 } });
    askUpload('big.png', 'image/png', 5_000, 'size');
    expect(await g.next((f) => f.tracingId === 'size')).toMatchObject({ class: 'GenerateUrlError', body: { errorCode: 4002 } });
  });

  it('UploadFailureEvent (4002) when the file put is larger than the limit, whatever was declared; 4010 to send it', async () => {
    askUpload('photo.png', 'image/png', 10, 'liar');
    const { attachmentId, url } = bodyOf(await g.next((f) => f.tracingId === 'liar')) as { attachmentId: string; url: string };
    await fetch(url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: Buffer.alloc(2_000) });
    expect(await g.next(isClass('UploadFailureEvent'))).toMatchObject({ type: 'message', body: { attachmentId, errorCode: 4002 } });
    g.send({
      action: 'onMessage',
      tracingId: 'failed',
      message: { type: 'Text', text: 'see photo', content: [{ contentType: 'Attachment', attachment: { id: attachmentId } }] },
    });
    expect(await g.next((f) => f.tracingId === 'failed')).toMatchObject({ class: 'string', code: 4010 });
  });

  it('refuses an upload URL with a wrong signature (403, as S3 does)', async () => {
    askUpload('a.png', 'image/png', 1, 'sig');
    const { url } = bodyOf(await g.next((f) => f.tracingId === 'sig')) as { url: string };
    expect((await fetch(url.replace(/signature=\w+/, 'signature=forged'), { method: 'PUT', body: 'x' })).status).toBe(403);
  });
});
