/**
 * The demo: a tiny HTTP API on 127.0.0.1, called through Switchboard's pipeline with one
 * custom middleware that times every attempt. Run it with `npm run demo`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, defineRoute, HttpError, type Middleware, ValidationError } from '@switchboard/core';

interface Note {
  readonly id: string;
  readonly text: string;
}

// Descriptors are plain data: what a generator would produce from an API spec.
const createNote = defineRoute<{ body: { text: string } }, Note>({
  operationId: 'createNote',
  method: 'POST',
  path: '/notes',
  pathParams: [],
  queryParams: [],
  body: { schema: 'Note', required: true },
  auth: 'none',
  idempotent: false,
  deprecated: false,
  successStatus: 201,
});

const getNote = defineRoute<{ noteId: string }, Note>({
  operationId: 'getNote',
  method: 'GET',
  path: '/notes/{noteId}',
  pathParams: [{ name: 'noteId', type: 'string', required: true }],
  queryParams: [],
  auth: 'none',
  idempotent: true,
  deprecated: false,
  successStatus: 200,
});

const listNotes = defineRoute<{ limit?: number }, { entities: Note[] }>({
  operationId: 'listNotes',
  method: 'GET',
  path: '/notes',
  pathParams: [],
  queryParams: [{ name: 'limit', type: 'integer', minimum: 1, maximum: 50 }],
  auth: 'none',
  idempotent: true,
  deprecated: false,
  successStatus: 200,
});

/** The loopback API: an in-memory note store that answers like a real service. */
async function startNotesApi(): Promise<{ url: string; close: () => Promise<void> }> {
  const notes = new Map<string, Note>();
  let requestCount = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requestCount++;
      const send = (status: number, data: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-correlation-id': `demo-${requestCount}` });
        res.end(JSON.stringify(data));
      };
      const url = new URL(req.url ?? '/', 'http://localhost');
      const id = decodeURIComponent(url.pathname.split('/')[2] ?? '');
      if (req.method === 'POST' && url.pathname === '/notes') {
        const note = { id: `note-${notes.size + 1}`, text: (JSON.parse(body) as { text: string }).text };
        notes.set(note.id, note);
        send(201, note);
      } else if (req.method === 'GET' && url.pathname === '/notes') {
        send(200, { entities: [...notes.values()].slice(0, Number(url.searchParams.get('limit') ?? 50)) });
      } else if (req.method === 'GET' && notes.has(id)) {
        send(200, notes.get(id));
      } else {
        send(404, { code: 'not.found', status: 404, message: `No note ${id}` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The custom middleware: one line per physical attempt, with its duration. */
const attemptTimer: Middleware = {
  name: 'attempt-timer',
  phase: 'attempt',
  async handle(ctx, next) {
    const started = performance.now();
    try {
      const response = await next();
      const ms = (performance.now() - started).toFixed(1);
      console.log(`    attempt ${ctx.attempt}: ${ctx.route.method} ${ctx.route.path} -> HTTP ${response.status} in ${ms} ms`);
      return response;
    } catch (error) {
      console.log(`    attempt ${ctx.attempt}: ${ctx.route.method} ${ctx.route.path} failed (${(error as Error).name})`);
      throw error;
    }
  },
};

const api = await startNotesApi();
const client = createClient({ baseUrl: api.url, middleware: [attemptTimer] });
try {
  console.log(`A notes API is listening on ${api.url}.`);
  console.log(
    `The pipeline, outermost first: ${client
      .identify()
      .map((s) => `${s.name} (${s.phase})`)
      .join(' -> ')}\n`,
  );

  console.log('1. Create two notes:');
  const first = await client.call(createNote, { body: { text: 'Call the customer back' } });
  await client.call(createNote, { body: { text: 'Close the ticket' } });
  console.log(`   created "${first.data.id}" (HTTP ${first.status}, correlation id ${first.correlationId})\n`);

  console.log('2. Read one back by id:');
  const note = await client.call(getNote, { noteId: first.data.id });
  console.log(`   "${note.data.id}" says: ${note.data.text}\n`);

  console.log('3. List them:');
  const list = await client.call(listNotes, { limit: 10 });
  console.log(`   ${list.data.entities.length} notes: ${list.data.entities.map((n) => n.id).join(', ')}\n`);

  console.log('4. Ask for a note that does not exist:');
  try {
    await client.call(getNote, { noteId: 'missing/../id' });
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    console.log(`   ${error.name} ${error.code}: "${error.message}", correlation id ${error.correlationId}\n`);
  }

  console.log('5. Ask for 500 notes, over the descriptor’s limit of 50:');
  try {
    await client.call(listNotes, { limit: 500 });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    console.log(`   ${error.name}: ${error.problems.map((p) => `${p.pointer} ${p.message}`).join('; ')}; nothing was sent.\n`);
  }
  console.log('Done.');
} finally {
  await client.close();
  await api.close();
}
