/**
 * What an upstream sends can never exhaust memory: a response-size limit counted while the body
 * streams in, after decompression, and one answer to compression on both transports, against
 * loopback servers that misbehave on purpose.
 */
import type { ServerResponse } from 'node:http';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, createClient, HttpError, NetworkError, ResponseTooLargeError } from '@switchboard/core';
import { type Handler, json, type Loopback, startLoopback } from '../../../test/support/loopback.js';
import { getThing } from '../../../test/support/routes.js';

const MiB = 1024 * 1024;
const hasZstd = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';
/** Node 24's fetch decodes zstd; Node 22's does not, so the ky transport asks for it only on 24. */
const fetchDecodesZstd = hasZstd && Number(process.versions.node.split('.')[0]) >= 24;

/** What an endless body did: how much the server wrote before the client hung up. */
interface Endless {
  readonly handler: Handler;
  readonly done: Promise<{ bytes: number; hungUp: boolean }>;
}

/**
 * A JSON answer that never ends: 64 KiB chunks, as fast as the client reads them, until the
 * client hangs up or (so that the loop is bounded) `maxBytes` have gone.
 */
function endless(maxBytes = 256 * MiB, status = 200): Endless {
  let finish!: (result: { bytes: number; hungUp: boolean }) => void;
  const done = new Promise<{ bytes: number; hungUp: boolean }>((resolve) => (finish = resolve));
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  return {
    done,
    handler: async (_request, res: ServerResponse) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.write('[');
      let bytes = 0;
      while (bytes < maxBytes && !res.destroyed) {
        bytes += chunk.length;
        if (!res.write(chunk)) await new Promise((resolve) => (res.once('drain', resolve), res.once('close', resolve)));
      }
      const hungUp = res.destroyed;
      if (!hungUp) res.end(']');
      finish({ bytes, hungUp });
    },
  };
}

/** `size` bytes of zeros compressed with `coding`, as many members/frames as it takes to keep compression cheap. */
function bomb(coding: 'gzip' | 'deflate' | 'br' | 'zstd', size: number): Buffer {
  const block = Buffer.alloc(Math.min(size, 64 * MiB));
  const compress = {
    gzip: (input: Buffer) => zlib.gzipSync(input, { level: 9 }),
    deflate: (input: Buffer) => zlib.deflateSync(input, { level: 9 }),
    br: (input: Buffer) => zlib.brotliCompressSync(input, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }),
    zstd: (input: Buffer) => (zlib as unknown as { zstdCompressSync(input: Buffer): Buffer }).zstdCompressSync(input),
  }[coding];
  // gzip and zstd streams may follow one another (members, frames); deflate and br may not, so one block.
  if (coding === 'deflate' || coding === 'br') return compress(Buffer.alloc(size));
  const member = compress(block);
  return Buffer.concat(Array.from({ length: Math.ceil(size / block.length) }, () => member));
}

function compressed(coding: string, body: Buffer, status = 200): Handler {
  return (_request, res) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-encoding': coding });
    res.end(body);
  };
}

describe.each(['ky', 'undici'] as const)('%s transport: response size and compression', (transport) => {
  let server: Loopback;
  const client = (maxResponseBytes?: number) =>
    createClient({ baseUrl: server.url, transport, ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }) });

  beforeAll(async () => {
    server = await startLoopback();
  });
  afterAll(() => server.close());

  it('stops an endless body at the limit with a ResponseTooLargeError, and hangs up on it', async () => {
    const answer = endless();
    server.answer(answer.handler);
    const error = await client(1 * MiB)
      .call(getThing, { thingId: 'a' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error).toMatchObject({ code: 'E_RESPONSE_TOO_LARGE', status: 200, limitBytes: MiB, operationId: 'getThing', attempts: 1 });
    expect((error as Error).message).toBe('getThing: HTTP 200 response body is larger than maxResponseBytes (1048576 bytes)');
    // The connection was closed: the server saw the hang-up long before its bounded loop ended.
    const { hungUp, bytes } = await answer.done;
    expect(hungUp).toBe(true);
    expect(bytes).toBeLessThan(64 * MiB);
  });

  it('refuses a body whose Content-Length is over the limit before reading it', async () => {
    server.answer((_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2 * MiB) });
      res.write('{"a":'); // and nothing more: only the announced length can tell
    });
    const error = await client(MiB)
      .call(getThing, { thingId: 'a' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseTooLargeError);
  });

  it('reads a body of exactly the limit, and takes a per-call limit over the client’s', async () => {
    const body = JSON.stringify({ text: 'x'.repeat(1000) });
    server.answer(json(200, JSON.parse(body)));
    await expect(client(body.length).call(getThing, { thingId: 'a' })).resolves.toMatchObject({ status: 200 });
    server.answer(json(200, JSON.parse(body)));
    const error = await client()
      .call(getThing, { thingId: 'a' }, { maxResponseBytes: body.length - 1 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_RESPONSE_TOO_LARGE', limitBytes: body.length - 1 });
    server.answer(json(200, JSON.parse(body)));
    await expect(client(10).call(getThing, { thingId: 'a' }, { maxResponseBytes: Infinity })).resolves.toMatchObject({ status: 200 });
  });

  it('counts the decompressed bytes: a gzip bomb of 10 MB is stopped at the default 8 MiB', async () => {
    const body = bomb('gzip', 10_000 * MiB);
    expect(body.length).toBeGreaterThan(9_000_000);
    server.answer(compressed('gzip', body));
    const error = await client()
      .call(getThing, { thingId: 'a' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_RESPONSE_TOO_LARGE', limitBytes: 8 * MiB });
  });

  it.each(['deflate', 'br', ...((transport === 'undici' ? hasZstd : fetchDecodesZstd) ? ['zstd' as const] : [])] as const)(
    'stops a %s bomb at the limit',
    async (coding) => {
      server.answer(compressed(coding, bomb(coding, 64 * MiB)));
      const error = await client(MiB)
        .call(getThing, { thingId: 'a' })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_RESPONSE_TOO_LARGE', limitBytes: MiB });
    },
  );

  it('decodes gzip, x-gzip, deflate (zlib-wrapped and raw), br and stacked codings alike', async () => {
    const data = { id: 'd1', name: 'décodé 💬' };
    const text = Buffer.from(JSON.stringify(data));
    const cases: [string, Buffer][] = [
      ['gzip', zlib.gzipSync(text)],
      ['x-gzip', zlib.gzipSync(text)],
      ['deflate', zlib.deflateSync(text)],
      ['deflate', zlib.deflateRawSync(text)],
      ['br', zlib.brotliCompressSync(text)],
      ['gzip, br', zlib.brotliCompressSync(zlib.gzipSync(text))],
      ['identity', text],
    ];
    if (fetchDecodesZstd) cases.push(['zstd', (zlib as unknown as { zstdCompressSync(input: Buffer): Buffer }).zstdCompressSync(text)]);
    for (const [coding, body] of cases) {
      server.answer(compressed(coding, body));
      expect((await client().call(getThing, { thingId: 'a' })).data, coding).toEqual(data);
    }
  });

  it('asks for the same codings on both transports, unless the caller chose', async () => {
    await client().call(getThing, { thingId: 'a' });
    const asked = server.requests.at(-1)!.headers['accept-encoding'];
    expect(asked).toBe(fetchDecodesZstd ? 'gzip, deflate, br, zstd' : 'gzip, deflate, br');
    await client().call(getThing, { thingId: 'a' }, { headers: { 'Accept-Encoding': 'identity' } });
    expect(server.requests.at(-1)!.headers['accept-encoding']).toBe('identity');
  });

  it('fails a corrupt compressed body the same way on both transports', async () => {
    server.answer(compressed('gzip', Buffer.concat([zlib.gzipSync('{"a":1}').subarray(0, 10), Buffer.from('not gzip at all')])));
    const error = await client()
      .call(getThing, { thingId: 'a' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ causeCode: 'Z_DATA_ERROR' });
  });

  it('bounds an error body too: a 503 of 1 MiB is still an HttpError, without its body, and its connection is closed', async () => {
    const answer = endless(8 * MiB, 503);
    server.answer(answer.handler);
    const error = await client()
      .call(getThing, { thingId: 'a' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 503, body: undefined });
    expect((await answer.done).hungUp).toBe(true);
    // An error body within 64 KiB is kept.
    server.answer(json(503, { code: 'service.unavailable' }));
    expect(
      await client()
        .call(getThing, { thingId: 'a' })
        .catch((e: unknown) => e),
    ).toMatchObject({ status: 503, body: { code: 'service.unavailable' } });
  });
});

describe('maxResponseBytes', () => {
  it.each([0, -1, 1.5, Number.NaN, 2 ** 60])(
    'refuses %s with a ConfigurationError, per client and per call, before sending',
    async (bad) => {
      expect(() => createClient({ baseUrl: 'http://127.0.0.1:9', maxResponseBytes: bad })).toThrow(ConfigurationError);
      const error = await createClient({ baseUrl: 'http://127.0.0.1:9' })
        .call(getThing, { thingId: 'a' }, { maxResponseBytes: bad })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
    },
  );
});

describe.each(['ky', 'undici'] as const)('%s transport: stacked codings', (transport) => {
  let server: Loopback;
  beforeAll(async () => {
    server = await startLoopback();
  });
  afterAll(() => server.close());

  /** `text` gzipped `times` times, with the Content-Encoding that says so. */
  const stacked = (times: number): Handler => {
    let body = Buffer.from(JSON.stringify({ id: 'deep' }));
    for (let i = 0; i < times; i++) body = zlib.gzipSync(body);
    return compressed(Array.from({ length: times }, () => 'gzip').join(', '), body);
  };

  it('undoes five codings, as fetch does, and refuses six with the same NetworkError on both transports', async () => {
    const client = createClient({ baseUrl: server.url, transport });
    server.answer(stacked(5));
    expect((await client.call(getThing, { thingId: 'a' })).data).toEqual({ id: 'deep' });
    // A thousand stacked gzips (3,000 cost the undici transport 112 s of CPU before the cap).
    for (const times of [6, 1_000]) {
      server.answer(stacked(times));
      const error = await client.call(getThing, { thingId: 'a' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NetworkError);
      expect(error).toMatchObject({ causeCode: 'ERR_TOO_MANY_CODINGS', operationId: 'getThing' });
    }
    await client.close();
  });
});
