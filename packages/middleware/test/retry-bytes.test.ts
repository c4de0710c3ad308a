/**
 * The retry loop and bodies of bytes (a presigned upload): a Uint8Array is replayed as any body,
 * a stream only while none of it has been read; once read, the attempt's outcome stands.
 */
import { describe, expect, it } from 'vitest';
import { createClient, HttpError, type HttpRequest, NetworkError, presignedUploadRoute } from '@switchboard/core';
import { retry } from '@switchboard/middleware';
import { fakeTransport, respond } from '../../../test/support/fakes.js';

const putUpload = presignedUploadRoute('putUpload');

const url = 'https://storage.example/uploads/a?signature=x';
// Waits of a millisecond: the decisions are under test here, not the backoff.
const fast = () => retry({ baseMs: 1, capMs: 1, minWaitMs: 0, budget: false });

/** Reads a request's body to its end, as a transport sending it would: its bytes. */
async function drain(request: HttpRequest): Promise<number> {
  const { body } = request;
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) return body?.length ?? 0;
  let bytes = 0;
  for await (const chunk of body) bytes += chunk.byteLength;
  return bytes;
}

async function* chunks(): AsyncGenerator<Uint8Array> {
  yield await Promise.resolve(new Uint8Array(3));
  yield await Promise.resolve(new Uint8Array(4));
}

describe('retrying a bytes body', () => {
  it('replays a Uint8Array after a 503, whole', async () => {
    const sizes: number[] = [];
    const transport = fakeTransport([
      async (request) => (sizes.push(await drain(request)), respond(503)),
      async (request) => (sizes.push(await drain(request)), respond(200)),
    ]);
    const client = createClient({ baseUrl: 'https://api.example', transport, middleware: [fast()] });
    const result = await client.call(putUpload, { url, body: new Uint8Array(7) });
    expect(result.attempts).toBe(2);
    expect(sizes).toEqual([7, 7]);
  });

  it('does not replay a stream that was read: the 503 stands', async () => {
    const transport = fakeTransport(async (request) => (await drain(request), respond(503)));
    const client = createClient({ baseUrl: 'https://api.example', transport, middleware: [fast()] });
    const error = await client.call(putUpload, { url, body: chunks() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(503);
    expect(transport.sent).toBe(1);
  });

  it('does not replay a stream after a network failure once read: that failure stands', async () => {
    const transport = fakeTransport(async (request) => {
      await drain(request);
      throw new NetworkError('ECONNRESET');
    });
    const client = createClient({ baseUrl: 'https://api.example', transport, middleware: [fast()] });
    const error = await client.call(putUpload, { url, body: chunks() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(transport.sent).toBe(1);
  });

  it('replays a stream none of which was read (the connection was refused), and sends it whole', async () => {
    const sizes: number[] = [];
    const transport = fakeTransport([
      () => Promise.reject(new NetworkError('ECONNREFUSED')),
      async (request) => (sizes.push(await drain(request)), respond(200)),
    ]);
    const client = createClient({ baseUrl: 'https://api.example', transport, middleware: [fast()] });
    const result = await client.call(putUpload, { url, body: chunks() });
    expect(result.attempts).toBe(2);
    expect(sizes).toEqual([7]);
  });
});
