/** Stopping cleanly: nothing left open, in a fresh process; and the CLI. */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('stopping', () => {
  it('leaves no open handles: a process that used every part of it exits by itself, at once, after stop()', async () => {
    const script = `
      import { startEmulator } from '@switchboard/emulator';
      import WebSocket from 'ws';
      import { Agent, request } from 'node:http';
      const e = await startEmulator({ heartbeatMs: 50, agent: { joinDelayMs: 10, typingDelayMs: 10, replyDelayMs: 5000 } });
      const chat = await (await fetch(e.apiUrl + '/api/v2/webchat/guest/conversations', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ organizationId: e.organizationId, deploymentId: e.deploymentId, routingTarget: { targetType: 'QUEUE', targetAddress: 'q' }, memberInfo: { displayName: 'x' } }) })).json();
      const ws = new WebSocket(chat.eventStreamUri);
      await new Promise((r) => ws.once('open', r));
      await fetch(e.apiUrl + '/api/v2/webchat/guest/conversations/' + chat.id + '/members/' + chat.member.id + '/messages', { method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer ' + chat.jwt }, body: JSON.stringify({ body: 'hi' }) });
      // A keep-alive connection left idle, an agent reply still scheduled, a request held by an
      // 8 s slow-headers fault, and a second websocket whose handshake races the stop.
      const agent = new Agent({ keepAlive: true });
      await new Promise((r) => request(e.apiUrl + '/__emulator/stats', { agent }, (res) => { res.resume(); res.on('end', r); }).end());
      e.faults.add({ match: { operationId: 'getWebchatGuestConversationMembers' }, fault: { kind: 'slow-headers', ms: 8000 } });
      const held = fetch(e.apiUrl + '/api/v2/webchat/guest/conversations/' + chat.id + '/members', { headers: { authorization: 'Bearer ' + chat.jwt } }).then((r) => r.status, () => 'reset');
      await new Promise((r) => setTimeout(r, 50));
      const late = new WebSocket(chat.eventStreamUri);
      late.on('error', () => {});
      const started = Date.now();
      await e.stop();
      agent.destroy();
      console.log(JSON.stringify({ stopMs: Date.now() - started, wsState: ws.readyState, held: await held, stoppedAt: Date.now() }));
    `;
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: `${root}/test`, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    const exitedAt = Date.now();
    expect(code).toBe(0);
    const result = JSON.parse(out.trim()) as { stopMs: number; wsState: number; held: unknown; stoppedAt: number };
    expect(result.stopMs).toBeLessThan(2_000);
    expect(result.wsState).toBe(3); // CLOSED: the server closed it
    expect([200, 'reset']).toContain(result.held); // the held request settled, one way or the other
    // Nothing (agent timer, fault wait, heartbeat, socket) kept the process alive after stop().
    expect(exitedAt - result.stoppedAt).toBeLessThan(1_500);
  });

  it('the CLI prints how to reach it and stops on SIGTERM with exit code 0', async () => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', `${root}/packages/emulator/src/cli.ts`, '--port', '0', '--rate-limit', '5/10s', '--seed', '9'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    while (!out.includes('Ctrl-C')) await once(child.stdout, 'data');
    const apiUrl = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? '';
    expect(out).toMatch(/client id\s+\S+/);
    expect(out).toMatch(/deployment\s+[0-9a-f-]{36}/);
    const settings = await fetch(`${apiUrl}/api/v2/webchat/settings`);
    expect(settings.status).toBe(401);
    expect(settings.headers.get('inin-correlation-id')).toBeTruthy();
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(out).toContain('SIGTERM: stopping');
  });

  it('the CLI refuses a malformed rate limit', async () => {
    const run = promisify(execFile)(process.execPath, ['--conditions=source', '--import', 'tsx', `${root}/packages/emulator/src/cli.ts`, '--rate-limit', 'lots'], { cwd: root });
    await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('N/Ws') as string });
  });
});
