/**
 * Routes whose input gives the whole URL (`absoluteUrl`, a presigned upload URL) and whose body is
 * bytes (`encoding: 'bytes'`): sent as they are on both transports to a host that is not the
 * client's, a stream read once and no longer than its attempt, and both checked before sending
 * without quoting the URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortError,
  ConfigurationError,
  createClient,
  headersFromRecord,
  type HttpRequest,
  isReplayable,
  presignedUploadRoute,
  ValidationError,
} from '@switchboard/core';
import { fakeTransport } from '../../../test/support/fakes.js';
import { type Loopback, startLoopback } from '../../../test/support/loopback.js';
import { ping } from '../../../test/support/routes.js';
import { eventually, sleep } from '../../../test/support/time.js';

const putUpload = presignedUploadRoute('putUpload');

/** What the upload server got: every request's bytes, counted as they came. */
interface Seen {
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly bytes: Buffer;
}

async function* chunks(count: number, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) yield await Promise.resolve(new Uint8Array(size).fill(i + 1));
}

describe.each(['ky', 'undici'] as const)('a bytes body to an absolute URL, %s transport', (transport) => {
  let api: Loopback;
  let storage: Loopback;
  const seen: Seen[] = [];

  beforeAll(async () => {
    api = await startLoopback();
    storage = await startLoopback((request, res) => {
      seen.push({ url: request.url, headers: request.headers, bytes: Buffer.from(request.body, 'utf8') });
      res.writeHead(200);
      res.end();
    });
  });
  afterAll(async () => {
    await api.close();
    await storage.close();
  });

  const client = () => createClient({ baseUrl: api.url, transport, headers: { 'x-api-key': 'for-the-api-only' } });

  it('sends a Buffer as it is to the URL given, with the call’s headers and without the client’s', async () => {
    const c = client();
    // Within ASCII: the loopback server records bodies as UTF-8 text.
    const bytes = Buffer.from([0, 1, 2, 125, 126, 127]);
    const url = `${storage.url}/uploads/a-1?signature=s3cr3t&X-Amz-Date=20240101`;
    const result = await c.call(putUpload, { url, body: bytes }, { headers: { 'content-type': 'image/png', 'x-amz-tagging': 'abc' } });
    expect(result.status).toBe(200);
    const got = seen.at(-1)!;
    expect(got.url).toBe('/uploads/a-1?signature=s3cr3t&X-Amz-Date=20240101');
    expect(got.headers).toMatchObject({ 'content-type': 'image/png', 'x-amz-tagging': 'abc', 'content-length': '6' });
    expect(got.headers['x-api-key']).toBeUndefined();
    expect([...got.bytes]).toEqual([...bytes]);
    // The API still gets the client's headers.
    await c.call(ping, {});
    expect(api.requests.at(-1)!.headers['x-api-key']).toBe('for-the-api-only');
    await c.close();
  });

  it('streams an async iterable once, with the content length the call declares', async () => {
    const c = client();
    const result = await c.call(
      putUpload,
      { url: `${storage.url}/uploads/a-2?signature=x`, body: chunks(4, 16_384) },
      { headers: { 'content-type': 'application/octet-stream', 'content-length': String(4 * 16_384) } },
    );
    expect(result.status).toBe(200);
    const got = seen.at(-1)!;
    expect(got.bytes.length).toBe(4 * 16_384);
    expect(got.bytes[0]).toBe(1);
    expect(got.bytes.at(-1)).toBe(4);
    await c.close();
  });

  it('passes on the typed error a stream throws as it is read', async () => {
    const c = client();
    async function* tooLong(): AsyncGenerator<Uint8Array> {
      yield await Promise.resolve(new Uint8Array(10));
      throw new ValidationError([{ pointer: '/file', message: 'has more bytes than declared' }]);
    }
    const error = await c
      .call(putUpload, { url: `${storage.url}/uploads/a-3?signature=x`, body: tooLong() }, { headers: { 'content-length': '20' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([{ pointer: '/file', message: 'has more bytes than declared' }]);
    await c.close();
  });

  it('stops reading a stream when its call is aborted: the source is told to stop, and asked for nothing more', async () => {
    const c = client();
    let stopped = false;
    let firstOut!: () => void;
    const gotFirst = new Promise<void>((resolve) => (firstOut = resolve));
    async function* slow(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) {
          yield new Uint8Array(1_024);
          firstOut();
          await sleep(5);
        }
      } finally {
        stopped = true;
      }
    }
    const controller = new AbortController();
    const call = c.call(
      putUpload,
      { url: `${storage.url}/uploads/a-4?signature=x`, body: slow() },
      { signal: controller.signal, headers: { 'content-length': String(1_024 * 1_000_000) } },
    );
    await gotFirst;
    controller.abort(new Error('the user left'));
    await expect(call).rejects.toBeInstanceOf(AbortError);
    await c.close();
    // Told to stop, a generator stops at its next turn (not while it waits between chunks); a stopped
    // generator runs no more, so from then on it is asked for nothing more.
    await eventually(() => expect(stopped).toBe(true));
  });
});

describe('checks before sending', () => {
  const secretUrl = 'https://storage.example/uploads/x?X-Amz-Signature=abcdef0123456789';

  it('refuses a URL that is missing, relative, not http(s) or with user info, naming /url and never the URL', async () => {
    const transport = fakeTransport();
    const client = createClient({ baseUrl: 'https://api.example', transport });
    const cases: [unknown, string][] = [
      [undefined, 'is required'],
      [42, 'must be a string'],
      ['/uploads/x?signature=abc', 'must be an absolute http or https URL'],
      ['ftp://storage.example/x?signature=abc', 'must be an absolute http or https URL'],
      ['https://user:pa55@storage.example/x?signature=abc', 'must not carry credentials'],
    ];
    for (const [url, message] of cases) {
      const error = await client.call(putUpload, { url, body: new Uint8Array(1) } as never).catch((e: unknown) => e as ValidationError);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems).toEqual([{ pointer: '/url', message }]);
      if (typeof url === 'string') expect((error as ValidationError).message).not.toContain(url);
    }
    expect(transport.sent).toBe(0);
  });

  it('refuses a body that is no bytes, and an input key that is no parameter', async () => {
    const transport = fakeTransport();
    const client = createClient({ baseUrl: 'https://api.example', transport });
    const error = await client
      .call(putUpload, { url: secretUrl, body: { not: 'bytes' }, extra: 1 } as never)
      .catch((e: unknown) => e as ValidationError);
    expect((error as ValidationError).problems).toEqual([
      { pointer: '/body', message: 'must be a Uint8Array or an AsyncIterable of Uint8Array' },
      { pointer: '/extra', message: 'is not a parameter of putUpload' },
    ]);
    expect((error as ValidationError).message).not.toContain('X-Amz-Signature=abcdef');
    expect(transport.sent).toBe(0);
  });

  it('refuses an absolute-URL route that also has path or query parameters', async () => {
    const client = createClient({ baseUrl: 'https://api.example', transport: fakeTransport() });
    const broken = { ...putUpload, queryParams: [{ name: 'page', type: 'integer' as const }] };
    await expect(client.call(broken, { url: secretUrl, body: new Uint8Array(1) })).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('hands a transport a Uint8Array as it is and a stream wrapped to be read once; only an unread one can be replayed', async () => {
    const requests: HttpRequest[] = [];
    const client = createClient({
      baseUrl: 'https://api.example',
      transport: {
        name: 'reader',
        async send(request) {
          requests.push(request);
          expect(isReplayable(request)).toBe(true);
          if (typeof request.body === 'object' && !(request.body instanceof Uint8Array)) {
            for await (const chunk of request.body) expect(chunk).toBeInstanceOf(Uint8Array);
            expect(isReplayable(request)).toBe(false);
            // A second reader is refused: it would get what the first left.
            await expect(request.body[Symbol.asyncIterator]().next()).rejects.toThrow('read once');
          }
          return { status: 200, headers: headersFromRecord({}), data: undefined };
        },
        close: () => Promise.resolve(),
      },
    });
    const bytes = new Uint8Array([1, 2, 3]);
    await client.call(putUpload, { url: secretUrl, body: bytes });
    expect(requests[0]!.body).toBe(bytes);
    await client.call(putUpload, { url: secretUrl, body: chunks(2, 4) });
    expect(isReplayable({ body: 'text' })).toBe(true);
    expect(isReplayable({ body: undefined })).toBe(true);
    // An iterable the client did not wrap cannot be told: it counts as read.
    expect(isReplayable({ body: chunks(1, 1) })).toBe(false);
  });
});
