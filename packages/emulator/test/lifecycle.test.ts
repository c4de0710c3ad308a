/** Stopping cleanly: nothing left open, in a fresh process; and the CLI. */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorSettings } from '@switchboard/emulator';
import { eventually } from '../../../test/support/time.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
/** The CLI from source, as `pnpm emulator` runs it. */
const fromSource = ['--conditions=@switchboard/source', '--import', 'tsx', `${root}/packages/emulator/src/cli.ts`];
/** The CLI as an installed package runs it: the built file, plain node, no tsx and no custom conditions. */
const builtCli = `${root}/packages/emulator/dist/cli.js`;
/** The package's bin, as a package manager links it: it loads the built CLI. */
const bin = `${root}/packages/emulator/bin/switchboard-emulator.js`;

/** CLI processes a test started, killed after it if still running (a failed expectation must not leave one behind). */
const started = new Set<ChildProcessWithoutNullStreams>();
/** CLI processes a test started through a shell: not its children, killed the same way. */
const strays = new Set<number>();
afterEach(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
  for (const pid of strays) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  strays.clear();
});

/** Starts the CLI (or `command` with `args`) and resolves once stdout has a line matching `ready`. */
async function startCli(
  args: readonly string[],
  ready: RegExp,
  command = process.execPath,
): Promise<{ child: ChildProcessWithoutNullStreams; out: () => string }> {
  const child = spawn(command, args, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  started.add(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = once(child, 'exit');
  while (!ready.test(out)) {
    const next = await Promise.race([once(child.stdout, 'data').then(() => 'data'), exited.then(() => 'exit')]);
    if (next === 'exit' && !ready.test(out)) throw new Error(`the CLI exited before it was ready:\n${out}\n${err}`);
  }
  return { child, out: () => out };
}

/** Whether a process of ours, not necessarily a child, still runs. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopCli(child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

/** A token request as WebChatAPI makes it: `${loginUrl}/oauth/token`, HTTP Basic, form body. */
function tokenRequest(printed: EmulatorSettings): Promise<Response> {
  return fetch(`${printed.loginUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${printed.clientId}:${printed.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
}

/** The --json line: one JSON object on the first line of stdout, with exactly these keys. */
async function expectJsonLine(out: string): Promise<EmulatorSettings> {
  const first = out.split('\n')[0] ?? '';
  const printed = JSON.parse(first) as EmulatorSettings;
  expect(Object.keys(printed).sort()).toEqual([
    'baseUrl',
    'clientId',
    'clientSecret',
    'deploymentId',
    'loginUrl',
    'organizationId',
    'webMessagingDeploymentId',
    'webMessagingUrl',
  ]);
  expect(printed.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(printed.webMessagingUrl).toBe(`${printed.baseUrl.replace('http:', 'ws:')}/v1`);
  expect(printed.webMessagingDeploymentId).toMatch(/^[0-9a-f-]{36}$/);
  expect(printed.loginUrl).toBe(`${printed.baseUrl}/login`);
  expect(printed.organizationId).toMatch(/^[0-9a-f-]{36}$/);
  expect(printed.deploymentId).toMatch(/^[0-9a-f-]{36}$/);
  const token = await tokenRequest(printed);
  expect(token.status).toBe(200);
  expect(((await token.json()) as { access_token?: unknown }).access_token).toEqual(expect.any(String));
  return printed;
}

describe('stopping', () => {
  it('leaves no open handles: a process that used every part of it exits by itself after stop()', async () => {
    const script = `
      import { startEmulator } from '@switchboard/emulator';
      import WebSocket from 'ws';
      import { Agent, request } from 'node:http';
      const e = await startEmulator({ heartbeatMs: 50, agent: { joinDelayMs: 10, typingDelayMs: 10, replyDelayMs: 60000 },
        messaging: { faults: [{ fault: { kind: 'duplicate' }, everyMs: 20 }] } });
      const chat = await (await fetch(e.apiUrl + '/api/v2/webchat/guest/conversations', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ organizationId: e.organizationId, deploymentId: e.deploymentId, routingTarget: { targetType: 'QUEUE', targetAddress: 'q' }, memberInfo: { displayName: 'x' } }) })).json();
      const ws = new WebSocket(chat.eventStreamUri);
      await new Promise((r) => ws.once('open', r));
      await fetch(e.apiUrl + '/api/v2/webchat/guest/conversations/' + chat.id + '/members/' + chat.member.id + '/messages', { method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer ' + chat.jwt }, body: JSON.stringify({ body: 'hi' }) });
      // A keep-alive connection left idle, an agent reply still scheduled, a request held by a
      // 60 s slow-headers fault, and a second websocket whose handshake races the stop.
      const agent = new Agent({ keepAlive: true });
      await new Promise((r) => request(e.apiUrl + '/__emulator/stats', { agent }, (res) => { res.resume(); res.on('end', r); }).end());
      e.faults.add({ match: { operationId: 'getWebchatGuestConversationMembers' }, fault: { kind: 'slow-headers', ms: 60000 } });
      const held = fetch(e.apiUrl + '/api/v2/webchat/guest/conversations/' + chat.id + '/members', { headers: { authorization: 'Bearer ' + chat.jwt } }).then((r) => r.status, () => 'reset');
      await new Promise((r) => setTimeout(r, 50));
      const late = new WebSocket(chat.eventStreamUri);
      late.on('error', () => {});
      // A Web Messaging guest too: its socket (under a scheduled fault), its session's expiry timer, an agent reply scheduled.
      const guest = new WebSocket(e.webMessagingUrl + '?deploymentId=' + e.webMessagingDeploymentId + '&application=lifecycle');
      await new Promise((r) => guest.once('open', r));
      guest.send(JSON.stringify({ action: 'configureSession', token: 'lifecycle-token', deploymentId: e.webMessagingDeploymentId }));
      await new Promise((r) => guest.once('message', r));
      guest.send(JSON.stringify({ action: 'onMessage', token: 'lifecycle-token', message: { type: 'Text', text: 'hi' } }));
      await new Promise((r) => guest.once('message', r));
      await e.stop();
      agent.destroy();
      console.log(JSON.stringify({ wsState: ws.readyState, guestState: guest.readyState, held: await held }));
    `;
    const child = spawn(process.execPath, ['--conditions=@switchboard/source', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: `${root}/test`,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    const result = JSON.parse(out.trim()) as { wsState: number; guestState: number; held: unknown };
    // No clock is read: a stop() that waited for the agent's 60 s reply or the 60 s held request,
    // or a process that any of them (or a heartbeat, or a socket) kept alive after stop(), would
    // not exit within this test's timeout.
    expect(result.wsState).toBe(3); // CLOSED: the server closed it
    expect(result.guestState).toBe(3);
    expect([200, 'reset']).toContain(result.held); // the held request settled, one way or the other
  });

  it('the CLI prints how to reach it under WebChatAPI’s option names and stops on SIGTERM with exit code 0', async () => {
    const { child, out } = await startCli([...fromSource, '--port', '0', '--rate-limit', '5/10s', '--seed', '9'], /Ctrl-C/);
    const text = out();
    const baseUrl = /^\s*baseUrl\s+(http:\/\/127\.0\.0\.1:\d+)$/m.exec(text)?.[1] ?? '';
    expect(baseUrl).not.toBe('');
    // loginUrl is the login host WebChatAPI takes (it appends /oauth/token), not the token endpoint.
    expect(text).toMatch(new RegExp(`^\\s*loginUrl\\s+${baseUrl.replaceAll('.', '\\.')}/login$`, 'm'));
    expect(text).not.toMatch(/http\S*\/oauth\/token/);
    expect(text).toMatch(/^\s*organizationId\s+[0-9a-f-]{36}$/m);
    expect(text).toMatch(/^\s*deploymentId\s+[0-9a-f-]{36}$/m);
    expect(text).toMatch(/^\s*clientId\s+\S+$/m);
    expect(text).toMatch(/^\s*clientSecret\s+\S+$/m);
    expect(text).toContain('new WebChatAPI({');
    const settings = await fetch(`${baseUrl}/api/v2/webchat/settings`);
    expect(settings.status).toBe(401);
    expect(settings.headers.get('inin-correlation-id')).toBeTruthy();
    expect(await stopCli(child)).toBe(0);
    expect(out()).toContain('SIGTERM: stopping');
  });

  it('the CLI with --json prints one JSON line of WebChatAPI’s options that reach the emulator, and keeps running until SIGINT', async () => {
    const { child, out } = await startCli([...fromSource, '--port', '0', '--json'], /\n/);
    await expectJsonLine(out());
    expect(await stopCli(child, 'SIGINT')).toBe(0);
    expect(out().trim().split('\n')).toHaveLength(1); // the stop notice goes to stderr
  });

  it('the CLI stops when the process that started it exits without passing SIGTERM on, as npx under sh does', async () => {
    // npm exec runs a bin as `sh -c <bin>`; killed, sh dies and the CLI is left to itself.
    const command = [process.execPath, ...fromSource, '--json'].map((arg) => `'${arg}'`).join(' ');
    const shell = await startCli(['-c', `${command} & echo "pid $!"; wait`], /^\{.*\}$/m, 'sh');
    const pid = Number(/^pid (\d+)$/m.exec(shell.out())?.[1]);
    strays.add(pid);
    const printed = JSON.parse(/^\{.*\}$/m.exec(shell.out())?.[0] ?? 'null') as EmulatorSettings;
    expect((await tokenRequest(printed)).status).toBe(200);
    await stopCli(shell.child, 'SIGTERM');
    // The CLI outlives the shell until it sees its parent change; then it stops and frees its port.
    await eventually(() => expect(isRunning(pid)).toBe(false));
    await expect(tokenRequest(printed)).rejects.toThrow();
  });

  it('the CLI prints its usage for --help and exits with 0', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [...fromSource, '--help'], { cwd: root });
    expect(stdout).toMatch(/^Usage: switchboard-emulator/);
    for (const flag of [
      '--port',
      '--rate-limit',
      '--org-rate-limit',
      '--token-ttl',
      '--seed',
      '--heartbeat-ms',
      '--stream-fault',
      '--messaging-fault',
      '--json',
      '--help',
    ])
      expect(stdout).toContain(flag);
  });

  it('the package bin runs the built CLI with plain node, as an installed package runs it', async (ctx) => {
    if (!existsSync(builtCli)) {
      ctx.skip(`${builtCli} is missing: build the emulator first (node scripts/build.mjs); \`pnpm check\` builds before the tests`);
      return;
    }
    const { child, out } = await startCli([bin, '--port', '0', '--json'], /\n/);
    await expectJsonLine(out());
    expect(await stopCli(child)).toBe(0);
  });

  it('the CLI refuses a malformed rate limit', async () => {
    const run = promisify(execFile)(process.execPath, [...fromSource, '--rate-limit', 'lots'], { cwd: root });
    await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('N/Ws') as string });
    const unknown = promisify(execFile)(process.execPath, [...fromSource, '--verbose'], { cwd: root });
    await expect(unknown).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--verbose') as string });
  });
});
