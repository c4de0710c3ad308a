import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createClient, defineRoute } from '@switchboard/core';

describe('smoke', () => {
  it('works', async () => {
    const server = createServer((req, res) => { res.setHeader('content-type','application/json'); res.end(JSON.stringify({url: req.url})) });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as {port:number}).port;
    const route = defineRoute<{ id: string }, { url: string }>({ operationId: 'get', method: 'GET', path: '/x/{id}', pathParams: [{name:'id', type:'string', required: true}], queryParams: [], auth: 'none', idempotent: true, deprecated: false, successStatus: 200 });
    for (const transport of ['ky', 'undici'] as const) {
      const client = createClient({ baseUrl: `http://127.0.0.1:${port}`, transport });
      const r = await client.call(route, { id: 'a/b c' });
      expect(r.data.url).toBe('/x/a%2Fb%20c');
      await client.close();
    }
    server.close();
  });
});
