#!/usr/bin/env node
/**
 * `switchboard-emulator [--port N] [--rate-limit N/Ws] [--org-rate-limit N/Ws] [--token-ttl S] [--seed N] [--heartbeat-ms N] [--stream-fault RULE]… [--messaging-fault RULE]… [--json]`
 * (`pnpm emulator` in the repository). Starts the emulator on 127.0.0.1, prints how to reach it
 * under the names of WebChatAPI's options (and Web Messaging's guest WebSocket), and runs until
 * SIGINT or SIGTERM, or until the process that started it exits. Bad flags exit with 2.
 */
import { parseArgs } from 'node:util';
import type { RateLimit } from './rate-limit.js';
import { startEmulator } from './server.js';
import { parseMessagingFaultRule } from './messaging-fault.js';
import { parseStreamFaultRule } from './stream-fault.js';

const HELP = `Usage: switchboard-emulator [options]

Starts a local Genesys Cloud emulator on 127.0.0.1, WebChat and Web Messaging (its REST API and
its guest WebSocket) from one process, and prints what a client needs to reach it, under the
names of WebChatAPI's options. Runs until Ctrl-C (SIGINT) or SIGTERM, or until the process that
started it exits (npx passes no SIGTERM on to it).

Options:
  --port N              TCP port on 127.0.0.1; 0 (the default) picks a free one
  --rate-limit N/Ws     requests per window per token, such as 300/60s (the default)
  --org-rate-limit N/Ws requests per window for the whole organisation (default 3000/60s)
  --token-ttl S         OAuth token lifetime in seconds (default 86400)
  --seed N              seed for ids, correlation ids and probabilistic faults (random by default)
  --heartbeat-ms N      interval of the event stream's heartbeat frames (default 30000)
  --stream-fault RULE   a fault on every event stream socket, repeated on a schedule: drop@30s
                        (no close frame), stall:5s@60s (sends nothing for 5 s, socket open),
                        close:1011@45s (that close code); may be given more than once
  --messaging-fault RULE
                        a fault on every Web Messaging guest socket, on a schedule: the same
                        drop@, stall:D@ and close:C@ forms, and duplicate@10s (next frame twice),
                        reorder@10s (next two frames swapped), rate-limit:3@20s (next 3 onMessage
                        answered 4029), lose:1@20s (next onMessage taken and lost: not stored,
                        echoed or answered), withhold-echo:1@20s (next onMessage stored and
                        answered, its echo never sent), expire@300s (the session expires); may be
                        repeated
  --json                print one line of JSON: {"baseUrl","loginUrl","organizationId",
                        "deploymentId","clientId","clientSecret","webMessagingUrl",
                        "webMessagingDeploymentId"}, and nothing else before it
  -h, --help            print this and exit

loginUrl is the login host: WebChatAPI appends /oauth/token to it. Web Messaging guests connect to
webMessagingUrl?deploymentId=<webMessagingDeploymentId>&application=<name>; its REST API
(/api/v2/webdeployments, /api/v2/webmessaging) is at baseUrl. Bad options exit with code 2.
`;

/** How often the CLI looks whether the process that started it is still there. */
const PARENT_CHECK_MS = 500;

function rate(text: string | undefined, flag: string): RateLimit | undefined {
  if (text === undefined) return undefined;
  const match = /^([1-9]\d*)\/([1-9]\d*)s$/.exec(text);
  if (!match) throw new Error(`${flag} takes N/Ws with N and W above 0, such as 300/60s`);
  return { limit: Number(match[1]), windowSeconds: Number(match[2]) };
}

function integer(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new Error(`${flag} takes a whole number`);
  return Number(text);
}

/** Stops the emulator and exits on SIGINT or SIGTERM, or once the process that started it is gone. */
function stopWhenAsked(emulator: { stop(): Promise<void> }, json: boolean): void {
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    // With --json, stdout holds the JSON line alone.
    if (json) console.error(`${why}: stopping`);
    else console.log(`\n${why}: stopping`);
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // npx runs a bin under a shell that passes no SIGTERM on: killed, npm and the shell exit and
  // leave this process running, holding its port. Its parent then changes (the orphan is taken in
  // by init or a subreaper), and it stops as on a signal.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop('its parent exited');
  }, PARENT_CHECK_MS).unref();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'rate-limit': { type: 'string' },
      'org-rate-limit': { type: 'string' },
      'token-ttl': { type: 'string' },
      seed: { type: 'string' },
      'heartbeat-ms': { type: 'string' },
      'stream-fault': { type: 'string', multiple: true },
      'messaging-fault': { type: 'string', multiple: true },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const emulator = await startEmulator({
    port: integer(values.port, '--port'),
    rateLimit: rate(values['rate-limit'], '--rate-limit'),
    orgRateLimit: rate(values['org-rate-limit'], '--org-rate-limit'),
    tokenTtlSeconds: integer(values['token-ttl'], '--token-ttl'),
    seed: integer(values.seed, '--seed'),
    heartbeatMs: integer(values['heartbeat-ms'], '--heartbeat-ms'),
    streamFaults: (values['stream-fault'] ?? []).map(parseStreamFaultRule),
    messaging: { faults: (values['messaging-fault'] ?? []).map(parseMessagingFaultRule) },
  });
  // Exactly what WebChatAPI takes: baseUrl is the API origin, loginUrl the login host (the client
  // appends /oauth/token), never the endpoints themselves.
  const reach = emulator.settings;
  const json = values.json === true;
  if (json) {
    console.log(JSON.stringify(reach));
  } else {
    const q = JSON.stringify;
    const lines = [
      `Genesys Cloud emulator (WebChat and Web Messaging) on ${reach.baseUrl}`,
      '',
      'For WebChatAPI (baseUrl, loginUrl, oauth: { clientId, clientSecret }) and startGuestChat() (organizationId, deploymentId).',
      'loginUrl is the login host: the client appends /oauth/token to it.',
      `  baseUrl         ${reach.baseUrl}`,
      `  loginUrl        ${reach.loginUrl}`,
      `  organizationId  ${reach.organizationId}`,
      `  deploymentId    ${reach.deploymentId}`,
      `  clientId        ${reach.clientId}`,
      `  clientSecret    ${reach.clientSecret}`,
      '',
      `  const api = new WebChatAPI({`,
      `    baseUrl: ${q(reach.baseUrl)}, loginUrl: ${q(reach.loginUrl)},`,
      `    oauth: { clientId: ${q(reach.clientId)}, clientSecret: ${q(reach.clientSecret)} } });`,
      '',
      'Web Messaging: its REST API (/api/v2/webdeployments, /api/v2/webmessaging) is at baseUrl; guests connect to',
      `  webMessagingUrl           ${reach.webMessagingUrl}?deploymentId=${reach.webMessagingDeploymentId}&application=<name>`,
      `  webMessagingDeploymentId  ${reach.webMessagingDeploymentId}`,
      '',
      `Emulator controls: ${reach.baseUrl}/__emulator/stats, ${reach.baseUrl}/__emulator/faults, ${reach.baseUrl}/__emulator/streams/rules, ${reach.baseUrl}/__emulator/messaging/...`,
      'Ctrl-C stops it.',
    ];
    console.log(lines.join('\n'));
  }
  stopWhenAsked(emulator, json);
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
}
