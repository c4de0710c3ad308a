/**
 * Importing undici installs its Agent as the process-wide dispatcher that Node's own fetch uses.
 * Our packages must not change that behind a user's back: checked in fresh child processes,
 * since a test runner's own process may already have touched fetch.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));

async function inFreshNode(script: string, cwd: string): Promise<unknown> {
  const { stdout } = await run(
    process.execPath,
    ['--conditions=@switchboard/source', '--import', 'tsx', '--input-type=module', '-e', script],
    {
      cwd,
      timeout: 20_000,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null');
}

describe('the process-wide undici dispatcher', () => {
  it('is left untouched by importing our packages', async () => {
    const result = await inFreshNode(
      `
      const key = Symbol.for('undici.globalDispatcher.1');
      const before = globalThis[key];
      await import('@switchboard/core');
      await import('@switchboard/middleware');
      await import('@switchboard/webchat');
      console.log(JSON.stringify({ before: before === undefined, after: globalThis[key] === undefined }));
    `,
      `${root}/test`,
    );
    expect(result).toEqual({ before: true, after: true });
  });

  it('stays Node’s own after the undici transport has been loaded and used', async () => {
    const result = await inFreshNode(
      `
      import { createServer } from 'node:http';
      const key = Symbol.for('undici.globalDispatcher.1');
      const server = createServer((req, res) => res.end('ok'));
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { createClient, defineRoute } = await import('@switchboard/core');
      const client = createClient({ baseUrl: 'http://127.0.0.1:' + server.address().port, transport: 'undici' });
      const route = defineRoute({ operationId: 'ping', method: 'GET', path: '/', pathParams: [], queryParams: [],
        auth: 'none', idempotent: true, deprecated: false, successStatus: 200 });
      const answer = await client.call(route, {});
      const undici = await import('undici');
      const installed = globalThis[key];
      await client.close();
      server.close();
      console.log(JSON.stringify({
        answer: answer.data,
        installedByUs: installed instanceof undici.Agent,
        installed: installed !== undefined,
      }));
    `,
      `${root}/packages/core`,
    );
    expect(result).toEqual({ answer: 'ok', installedByUs: false, installed: true });
  });
});
