/**
 * Genesys' own JS SDKs as the judge: `purecloud-platform-client-v2` (the 8 OAuth operations) and
 * `purecloud-guest-chat-client` (the 11 guest operations), unmodified and unstubbed, pointed at the
 * emulator as a user would point them (their `basePath` set to the emulator's URL). Every answer is checked against the spec's
 * model; a PUT/PATCH is the GET → change → PUT round trip a user does. The SDKs talk to the
 * emulator through a transparent recording proxy (node:http), so that the table below can say
 * what the SDK really put on the wire.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type * as GuestSdk from 'purecloud-guest-chat-client';
import type * as PlatformSdk from 'purecloud-platform-client-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { schemaProblems } from './helpers.js';
import { describeValue, type Extended, isObject, type Recorder, type Sent, settle, startRecorder } from './sdk-wire.js';

// Both SDKs are CommonJS whose `module.exports` is an instance, so Node's ESM loader finds no named exports in them.
const requireCjs = createRequire(import.meta.url);
const platform = requireCjs('purecloud-platform-client-v2') as typeof PlatformSdk;
const guest = requireCjs('purecloud-guest-chat-client') as typeof GuestSdk;
const platformClient = platform.ApiClient.instance;
const guestClient = guest.ApiClient.instance;

// The spec --------------------------------------------------------------------------------------

interface SpecOperation {
  readonly operationId: string;
  readonly authScheme: 'none' | 'guestJwt' | 'oauth';
  readonly responses: Readonly<Record<string, unknown>>;
}
const spec = JSON.parse(readFileSync(new URL('../../../spec/webchat-api.json', import.meta.url), 'utf8')) as {
  operations: readonly SpecOperation[];
};

function specOperation(operationId: string): SpecOperation {
  const operation = spec.operations.find((o) => o.operationId === operationId);
  if (!operation) throw new Error(`the spec has no ${operationId}`);
  return operation;
}

/** The operation's documented success status (its one 2xx). */
function successStatus(operationId: string): number {
  const status = Object.keys(specOperation(operationId).responses).find((s) => s.startsWith('2'));
  if (!status) throw new Error(`${operationId} documents no success`);
  return Number(status);
}

/** Runs an SDK call without extended responses and gives back what it rejected with. */
async function rejection(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded');
}

function header(answer: Extended, name: string): string | undefined {
  const value = answer.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function field(value: unknown, name: string): string {
  const found = isObject(value) ? value[name] : undefined;
  if (typeof found !== 'string') throw new Error(`no string ${name} in ${describeValue(value)}`);
  return found;
}

/** The guest SDK's `defaultHeaders` (its index.d.ts leaves the property out). */
function guestDefaultHeaders(): Record<string, string> {
  const headers: unknown = Reflect.get(guestClient, 'defaultHeaders');
  if (!isObject(headers)) throw new Error('the guest SDK has no defaultHeaders');
  return headers as Record<string, string>;
}

// The record the closing tables are printed from ------------------------------------------------

type Sdk = 'platform' | 'guest';

interface Row {
  readonly operationId: string;
  readonly sdk: Sdk;
  readonly expected: number;
  readonly status: number;
  readonly problems: readonly string[];
  readonly answer: Extended;
  readonly sent: readonly Sent[];
}

const rows = new Map<string, Row>();

interface ErrorRow {
  readonly name: string;
  readonly sdk: Sdk;
  readonly operationId: string;
  readonly status: number;
  readonly code: string;
  readonly contextIdIsHeader: boolean;
  readonly messageWithParamsFilled: boolean;
  readonly retryAfter: string;
  readonly plainRejection: string;
}

const errorRows: ErrorRow[] = [];

let e: Emulator;
let limited: Emulator;
let proxy: Recorder;
let limitedProxy: Recorder;

/** Calls one operation through an SDK, records the row, and expects the documented success and model. */
async function operation(sdk: Sdk, operationId: string, call: () => Promise<unknown>, recorder: Recorder = proxy): Promise<Extended> {
  const expectedSdk: Sdk = specOperation(operationId).authScheme === 'oauth' ? 'platform' : 'guest';
  expect(sdk, `${operationId} is a ${expectedSdk} operation in the spec`).toBe(expectedSdk);
  const before = recorder.sent.length;
  const answer = await settle(call);
  const problems = schemaProblems(operationId, answer.status, answer.body);
  const row: Row = {
    operationId,
    sdk,
    expected: successStatus(operationId),
    status: answer.status,
    problems,
    answer,
    sent: recorder.sent.slice(before),
  };
  rows.set(operationId, row);
  expect(answer.status, `${operationId} answered ${answer.status}: ${describeValue(answer.body)}`).toBe(row.expected);
  expect(problems, `${operationId}'s answer against the spec's model`).toEqual([]);
  return answer;
}

/** Placeholders of messageWithParams filled from messageParams, as a client does. */
function fill(template: string, params: unknown): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = isObject(params) ? params[name] : undefined;
    return typeof value === 'string' ? value : whole;
  });
}

/**
 * One error case through an SDK: the ErrorBody with extended responses (to see the headers), and
 * what a caller without extended responses gets (the ErrorBody alone), both checked.
 */
async function errorCase(
  name: string,
  sdk: Sdk,
  operationId: string,
  status: number,
  code: string | readonly string[],
  call: () => Promise<unknown>,
): Promise<Extended> {
  const client = sdk === 'platform' ? platformClient : guestClient;
  const answer = await settle(call);
  client.setReturnExtendedResponses(false);
  let plain: unknown;
  try {
    plain = await rejection(call);
  } finally {
    client.setReturnExtendedResponses(true);
  }
  const body = isObject(answer.body) ? answer.body : {};
  const correlationId = header(answer, 'inin-correlation-id');
  const messageWithParams = typeof body.messageWithParams === 'string' ? body.messageWithParams : undefined;
  const plainBody = isObject(plain) ? plain : {};
  errorRows.push({
    name,
    sdk,
    operationId,
    status: answer.status,
    code: typeof body.code === 'string' ? body.code : describeValue(answer.body),
    contextIdIsHeader: correlationId !== undefined && body.contextId === correlationId,
    messageWithParamsFilled: messageWithParams !== undefined && fill(messageWithParams, body.messageParams) === body.message,
    retryAfter: header(answer, 'retry-after') ?? '—',
    plainRejection: typeof plainBody.code === 'string' ? `ErrorBody ${plainBody.code}` : describeValue(plain).slice(0, 60),
  });

  expect(answer.status, describeValue(answer.body)).toBe(status);
  expect(schemaProblems(operationId, status, answer.body)).toEqual([]);
  expect(typeof body.message).toBe('string');
  expect(
    typeof body.code === 'string' && (typeof code === 'string' ? [code] : code).includes(body.code),
    `code ${describeValue(body.code)}`,
  ).toBe(true);
  expect(body.status).toBe(status);
  expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
  expect(body.contextId).toBe(correlationId);
  expect(messageWithParams, 'messageWithParams').toBeTypeOf('string');
  expect(fill(messageWithParams ?? '', body.messageParams), 'messageWithParams filled from messageParams').toBe(body.message);
  // Without extended responses the SDK rejects with the ErrorBody itself (a new request: its own contextId).
  expect(plainBody).toMatchObject({ code: body.code, status, messageWithParams });
  expect(plainBody.contextId).toMatch(/^[0-9a-f-]{36}$/);
  expect(schemaProblems(operationId, status, plain)).toEqual([]);
  return answer;
}

// Pointing the SDK singletons at an emulator (through its recorder) -----------------------------

async function pointPlatformAt(emulator: Emulator, recorder: Recorder): Promise<void> {
  platformClient.clearAccessToken();
  platformClient.setReturnExtendedResponses(true);
  platformClient.setGateway({ host: '127.0.0.1', protocol: 'http', port: recorder.port, path_params_login: 'login', path_params_api: '' });
  await platformClient.loginClientCredentialsGrant(emulator.client.clientId, emulator.client.clientSecret);
}

function pointGuestAt(recorder: Recorder): void {
  // setEnvironment() cannot: it strips the scheme and makes `https://api.<host>` of whatever it is given.
  guestClient.config.basePath = recorder.url;
  guestClient.setReturnExtendedResponses(true);
  guestClient.setJwt('');
  for (const name of Object.keys(guestDefaultHeaders())) Reflect.deleteProperty(guestDefaultHeaders(), name);
}

const guestWebChat = () => new guest.WebChatApi();
const platformWebChat = () => new platform.WebChatApi();

function chatRequest(emulator: Emulator): GuestSdk.Models.CreateWebChatConversationRequest {
  return {
    organizationId: emulator.organizationId,
    deploymentId: emulator.deploymentId,
    routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
    memberInfo: { displayName: 'Pat Guest', firstName: 'Pat' },
  };
}

/**
 * The user-side fix for the guest SDK 13.2.0 logging bug: a call without auth (creating the
 * conversation) sends the client's own `defaultHeaders` object as its headers, and the logger then
 * writes `Authorization: [REDACTED]` into it, so every later call sends that instead of the JWT
 * (ApiClient.callApi → addHeaders(undefined, defaultHeaders) returns defaultHeaders itself;
 * logger.formatLog sets requestHeaders.Authorization). Calling setJwt again does not help.
 */
function unpoisonGuestHeaders(): void {
  Reflect.deleteProperty(guestDefaultHeaders(), 'Authorization');
}

interface GuestChat {
  readonly id: string;
  readonly jwt: string;
  readonly memberId: string;
}

function chatOf(answer: Extended): GuestChat {
  const member = isObject(answer.body) ? answer.body.member : undefined;
  return { id: field(answer.body, 'id'), jwt: field(answer.body, 'jwt'), memberId: field(member, 'id') };
}

/** Creates a conversation through the guest SDK (not recorded as the operation's row) and takes its JWT. */
async function guestChat(emulator: Emulator): Promise<GuestChat> {
  const answer = await settle(() => guestWebChat().postWebchatGuestConversations(chatRequest(emulator)));
  if (answer.status !== 200) throw new Error(`creating a chat answered ${answer.status}: ${describeValue(answer.body)}`);
  const chat = chatOf(answer);
  guestClient.setJwt(chat.jwt);
  unpoisonGuestHeaders();
  return chat;
}

// -----------------------------------------------------------------------------------------------

beforeAll(async () => {
  e = await startEmulator({ seed: 252 });
  limited = await startEmulator({ seed: 13, rateLimit: { limit: 2, windowSeconds: 600 } });
  proxy = await startRecorder(e.apiUrl);
  limitedProxy = await startRecorder(limited.apiUrl);
});

afterAll(async () => {
  // The singletons back to what a fresh process has (no token, plain responses), the gateway left pointing nowhere useful.
  platformClient.clearAccessToken();
  platformClient.setReturnExtendedResponses(false);
  guestClient.setJwt('');
  guestClient.setReturnExtendedResponses(false);
  printTables();
  await Promise.all([proxy?.close(), limitedProxy?.close()]);
  await Promise.all([e?.stop(), limited?.stop()]);
});

describe('the platform SDK (purecloud-platform-client-v2 252.0.0): the 8 OAuth operations', { timeout: 60_000 }, () => {
  let deploymentId = '';

  beforeAll(() => pointPlatformAt(e, proxy));

  it('logged in with its own client-credentials grant against the emulator login host', () => {
    const login = proxy.sent.find((s) => s.url === '/login/oauth/token');
    expect(login?.method).toBe('POST');
    expect(login?.body).toBe('grant_type=client_credentials');
    expect(login?.headers.authorization).toMatch(/^Basic /);
  });

  it('getWebchatDeployments', async () => {
    const answer = await operation('platform', 'getWebchatDeployments', () => platformWebChat().getWebchatDeployments());
    expect(answer.body).toMatchObject({ entities: [{ id: e.deploymentId }] });
  });

  it('postWebchatDeployments', async () => {
    const answer = await operation('platform', 'postWebchatDeployments', () =>
      platformWebChat().postWebchatDeployments({
        name: 'Created by the platform SDK',
        allowedDomains: ['example.com'],
        webChatConfig: { webChatSkin: 'basic' },
      }),
    );
    deploymentId = field(answer.body, 'id');
  });

  it('getWebchatDeployment', async () => {
    const answer = await operation('platform', 'getWebchatDeployment', () => platformWebChat().getWebchatDeployment(deploymentId));
    expect(answer.body).toMatchObject({ id: deploymentId, name: 'Created by the platform SDK' });
  });

  it('putWebchatDeployment: GET → change the name → PUT what the GET returned', async () => {
    const got = await settle(() => platformWebChat().getWebchatDeployment(deploymentId));
    const changed = { ...(got.body as PlatformSdk.Models.WebChatDeployment), name: 'Renamed by the platform SDK' };
    const answer = await operation('platform', 'putWebchatDeployment', () => platformWebChat().putWebchatDeployment(deploymentId, changed));
    expect(answer.body).toMatchObject({ id: deploymentId, name: 'Renamed by the platform SDK' });
  });

  it('deleteWebchatDeployment', async () => {
    await operation('platform', 'deleteWebchatDeployment', () => platformWebChat().deleteWebchatDeployment(deploymentId));
  });

  it('getWebchatSettings', async () => {
    await operation('platform', 'getWebchatSettings', () => platformWebChat().getWebchatSettings());
  });

  it('putWebchatSettings: GET → flip requireDeployment → PUT', async () => {
    const got = await settle(() => platformWebChat().getWebchatSettings());
    const settings = got.body as PlatformSdk.Models.WebChatSettings;
    const answer = await operation('platform', 'putWebchatSettings', () =>
      platformWebChat().putWebchatSettings({ ...settings, requireDeployment: settings.requireDeployment !== true }),
    );
    expect(answer.body).toMatchObject({ requireDeployment: settings.requireDeployment !== true });
  });

  it('deleteWebchatSettings', async () => {
    await operation('platform', 'deleteWebchatSettings', () => platformWebChat().deleteWebchatSettings());
  });
});

describe('the guest SDK (purecloud-guest-chat-client 13.2.0): the 11 guest operations', { timeout: 60_000 }, () => {
  let chat: GuestChat;
  let messageId = '';
  let mediaRequestId = '';

  beforeAll(() => pointGuestAt(proxy));

  it('postWebchatGuestConversations (no auth), then setJwt', async () => {
    const answer = await operation('guest', 'postWebchatGuestConversations', () =>
      guestWebChat().postWebchatGuestConversations(chatRequest(e)),
    );
    chat = chatOf(answer);
    guestClient.setJwt(chat.jwt);
    unpoisonGuestHeaders();
  });

  it('getWebchatGuestConversationMembers (no options: the SDK sends them empty)', async () => {
    const answer = await operation('guest', 'getWebchatGuestConversationMembers', () =>
      guestWebChat().getWebchatGuestConversationMembers(chat.id),
    );
    expect(answer.body).toMatchObject({ entities: expect.arrayContaining([expect.objectContaining({ id: chat.memberId })]) as unknown });
  });

  it('getWebchatGuestConversationMember', async () => {
    const answer = await operation('guest', 'getWebchatGuestConversationMember', () =>
      guestWebChat().getWebchatGuestConversationMember(chat.id, chat.memberId),
    );
    expect(answer.body).toMatchObject({ id: chat.memberId });
  });

  it('postWebchatGuestConversationMemberMessages', async () => {
    const answer = await operation('guest', 'postWebchatGuestConversationMemberMessages', () =>
      guestWebChat().postWebchatGuestConversationMemberMessages(chat.id, chat.memberId, {
        body: 'Hello from the Genesys guest SDK',
        bodyType: 'standard',
      }),
    );
    messageId = field(answer.body, 'id');
  });

  it('getWebchatGuestConversationMessage', async () => {
    const answer = await operation('guest', 'getWebchatGuestConversationMessage', () =>
      guestWebChat().getWebchatGuestConversationMessage(chat.id, messageId),
    );
    expect(answer.body).toMatchObject({ id: messageId, body: 'Hello from the Genesys guest SDK' });
  });

  it('getWebchatGuestConversationMessages (no options: the SDK sends them empty)', async () => {
    const answer = await operation('guest', 'getWebchatGuestConversationMessages', () =>
      guestWebChat().getWebchatGuestConversationMessages(chat.id),
    );
    expect(answer.body).toMatchObject({ entities: expect.arrayContaining([expect.objectContaining({ id: messageId })]) as unknown });
  });

  it('postWebchatGuestConversationMemberTyping (no body)', async () => {
    await operation('guest', 'postWebchatGuestConversationMemberTyping', () =>
      guestWebChat().postWebchatGuestConversationMemberTyping(chat.id, chat.memberId),
    );
  });

  it('getWebchatGuestConversationMediarequests (after the agent offers one)', async () => {
    mediaRequestId = e.offerMediaRequest(chat.id);
    const answer = await operation('guest', 'getWebchatGuestConversationMediarequests', () =>
      guestWebChat().getWebchatGuestConversationMediarequests(chat.id),
    );
    expect(answer.body).toMatchObject({ entities: [{ id: mediaRequestId, state: 'PENDING' }] });
  });

  it('getWebchatGuestConversationMediarequest', async () => {
    const answer = await operation('guest', 'getWebchatGuestConversationMediarequest', () =>
      guestWebChat().getWebchatGuestConversationMediarequest(chat.id, mediaRequestId),
    );
    expect(answer.body).toMatchObject({ id: mediaRequestId, state: 'PENDING' });
  });

  it('patchWebchatGuestConversationMediarequest: GET → state ACCEPTED → PATCH what the GET returned', async () => {
    const got = await settle(() => guestWebChat().getWebchatGuestConversationMediarequest(chat.id, mediaRequestId));
    const changed = { ...(got.body as GuestSdk.Models.WebChatGuestMediaRequest), state: 'ACCEPTED' };
    const answer = await operation('guest', 'patchWebchatGuestConversationMediarequest', () =>
      guestWebChat().patchWebchatGuestConversationMediarequest(chat.id, mediaRequestId, changed),
    );
    expect(answer.body).toMatchObject({ id: mediaRequestId, state: 'ACCEPTED' });
  });

  it('deleteWebchatGuestConversationMember (leave; no body)', async () => {
    await operation('guest', 'deleteWebchatGuestConversationMember', () =>
      guestWebChat().deleteWebchatGuestConversationMember(chat.id, chat.memberId),
    );
  });
});

describe("the guest SDK's Authorization: [REDACTED] bug, and the emulator's 401 for it", { timeout: 60_000 }, () => {
  beforeAll(() => pointGuestAt(proxy));

  it('after a call without auth the SDK sends `Authorization: [REDACTED]`, setJwt again does not help, and the emulator answers 401 as Genesys does', async () => {
    const created = await settle(() => guestWebChat().postWebchatGuestConversations(chatRequest(e)));
    expect(created.status).toBe(200);
    const chat = chatOf(created);
    guestClient.setJwt(chat.jwt);
    // The SDK's own state: its logger wrote into the object it uses as every request's default headers.
    expect(guestDefaultHeaders().Authorization).toBe('[REDACTED]');

    const sentBefore = proxy.sent.length;
    const broken = await errorCase(
      'Authorization: [REDACTED] (SDK bug)',
      'guest',
      'getWebchatGuestConversationMember',
      401,
      'authentication.required',
      () => guestWebChat().getWebchatGuestConversationMember(chat.id, chat.memberId),
    );
    const wire = proxy.sent.slice(sentBefore);
    // Both requests of the case (with and without extended responses) carried the logger's placeholder, not the JWT.
    expect(wire.map((s) => s.headers.authorization)).toEqual(['[REDACTED]', '[REDACTED]']);
    expect(e.stats.requests('getWebchatGuestConversationMember', 401)).toBe(2);
    expect(broken.body).toMatchObject({ code: 'authentication.required' });

    guestClient.setJwt(chat.jwt);
    const again = await settle(() => guestWebChat().getWebchatGuestConversationMember(chat.id, chat.memberId));
    expect(proxy.sent.at(-1)?.headers.authorization).toBe('[REDACTED]');
    expect(again.status).toBe(401);

    unpoisonGuestHeaders();
    const fixed = await settle(() => guestWebChat().getWebchatGuestConversationMember(chat.id, chat.memberId));
    expect(proxy.sent.at(-1)?.headers.authorization).toBe(`Bearer ${chat.jwt}`);
    expect(fixed.status).toBe(200);
  });
});

describe('error paths through both SDKs: the ErrorBody the caller gets', { timeout: 60_000 }, () => {
  describe('on the emulator with default limits', () => {
    let chat: GuestChat;

    beforeAll(async () => {
      await pointPlatformAt(e, proxy);
      pointGuestAt(proxy);
      chat = await guestChat(e);
    });

    it('404 for a bogus id', async () => {
      await errorCase('404 bogus deployment id', 'platform', 'getWebchatDeployment', 404, 'not.found', () =>
        platformWebChat().getWebchatDeployment('no-such-deployment'),
      );
      await errorCase('404 bogus message id', 'guest', 'getWebchatGuestConversationMessage', 404, 'not.found', () =>
        guestWebChat().getWebchatGuestConversationMessage(chat.id, 'no-such-message'),
      );
    });

    it('400 for a body that does not fit the model', async () => {
      const deployment = await errorCase(
        '400 webChatSkin not in the enum',
        'platform',
        'postWebchatDeployments',
        400,
        ['constraint.validation', 'invalid.value', 'bad.request'],
        () => platformWebChat().postWebchatDeployments({ name: 'Bad skin', webChatConfig: { webChatSkin: 'neon' } }),
      );
      expect(field(deployment.body, 'message')).toContain('webChatSkin');
      const message = await errorCase(
        '400 bodyType not in the enum',
        'guest',
        'postWebchatGuestConversationMemberMessages',
        400,
        ['constraint.validation', 'invalid.value', 'bad.request'],
        () => guestWebChat().postWebchatGuestConversationMemberMessages(chat.id, chat.memberId, { body: 'Hi', bodyType: 'shouting' }),
      );
      expect(field(message.body, 'message')).toContain('bodyType');
    });

    it('401 for a bad token', async () => {
      platformClient.setAccessToken('not-a-token-the-emulator-issued');
      try {
        await errorCase('401 unknown OAuth token', 'platform', 'getWebchatDeployments', 401, 'bad.credentials', () =>
          platformWebChat().getWebchatDeployments(),
        );
      } finally {
        await pointPlatformAt(e, proxy);
      }
      guestClient.setJwt('not.a-jwt.the-emulator-issued');
      try {
        await errorCase('401 forged guest JWT', 'guest', 'getWebchatGuestConversationMembers', 401, 'bad.credentials', () =>
          guestWebChat().getWebchatGuestConversationMembers(chat.id),
        );
      } finally {
        guestClient.setJwt(chat.jwt);
      }
    });
  });

  describe('on an emulator limited to 2 requests per token per 600 s', () => {
    let chat: GuestChat;

    beforeAll(async () => {
      await pointPlatformAt(limited, limitedProxy);
      pointGuestAt(limitedProxy);
      chat = await guestChat(limited);
    });

    it('429 with Retry-After, past the limit (neither SDK retries)', async () => {
      for (let i = 0; i < 2; i++) expect((await settle(() => platformWebChat().getWebchatSettings())).status).toBe(200);
      const platform429 = await errorCase(
        '429 past the per-token limit',
        'platform',
        'getWebchatSettings',
        429,
        'too.many.requests.retry.after',
        () => platformWebChat().getWebchatSettings(),
      );

      for (let i = 0; i < 2; i++)
        expect((await settle(() => guestWebChat().getWebchatGuestConversationMember(chat.id, chat.memberId))).status).toBe(200);
      const guest429 = await errorCase(
        '429 past the per-token limit',
        'guest',
        'getWebchatGuestConversationMember',
        429,
        'too.many.requests.retry.after',
        () => guestWebChat().getWebchatGuestConversationMember(chat.id, chat.memberId),
      );

      for (const answer of [platform429, guest429]) {
        const retryAfter = header(answer, 'retry-after') ?? '';
        expect(retryAfter).toMatch(/^\d+$/);
        expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
        expect(Number(retryAfter)).toBeLessThanOrEqual(600);
        expect(field(answer.body, 'message')).toBe(`Rate limit exceeded the maximum. Retry the request in [${retryAfter}] seconds`);
      }
      // Each 429 case was asked twice (extended and plain): four refusals, each one request (no SDK retry).
      expect(limited.stats.tooManyRequests).toBe(4);
      expect(limited.stats.requests('getWebchatSettings')).toBe(4);
    });
  });
});

describe('coverage', () => {
  it('went through all 19 operations of the spec, each with the SDK its auth scheme calls for', () => {
    expect([...rows.keys()].sort()).toEqual(spec.operations.map((o) => o.operationId).sort());
    expect(rows.size).toBe(19);
    for (const row of rows.values()) expect(row.sdk).toBe(specOperation(row.operationId).authScheme === 'oauth' ? 'platform' : 'guest');
  });
});

// The tables the closing note quotes ------------------------------------------------------------

function printTables(): void {
  const lines = [
    '',
    '### Genesys SDKs against the emulator: the 19 operations',
    '',
    '| operationId | SDK | HTTP status (expected) | body fits the spec model |',
    '|---|---|---|---|',
  ];
  for (const row of rows.values()) {
    const model =
      row.answer.body === undefined && row.problems.length === 0
        ? 'yes (no body)'
        : row.problems.length === 0
          ? `yes${row.status === row.expected ? '' : ' (ErrorBody)'}`
          : `no: ${row.problems.join('; ')}`;
    const status = row.status === row.expected ? `${row.status}` : `**${row.status}** (${row.expected})`;
    lines.push(`| ${row.operationId} | ${row.sdk} | ${status} | ${model} |`);
  }
  const ok = [...rows.values()].filter((r) => r.status === r.expected && r.problems.length === 0).length;
  lines.push('', `${ok} of ${rows.size} succeed.`);

  lines.push(
    '',
    '### Error paths through the SDKs',
    '',
    '| case | SDK | operationId | status | code | contextId = inin-correlation-id | messageWithParams filled = message | Retry-After | without extended responses the SDK rejects with |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const row of errorRows) {
    lines.push(
      `| ${row.name} | ${row.sdk} | ${row.operationId} | ${row.status} | ${row.code} | ${row.contextIdIsHeader ? 'yes' : 'no'} | ${row.messageWithParamsFilled ? 'yes' : 'no'} | ${row.retryAfter} | ${row.plainRejection} |`,
    );
  }

  const failing = [...rows.values()].filter((r) => r.status !== r.expected || r.problems.length > 0);
  if (failing.length > 0) {
    lines.push('', '### Failing operations: what the SDK sent, what the emulator answered', '');
    for (const row of failing) {
      const sent = row.sent.at(-1);
      const request = sent
        ? `${sent.method} ${sent.url} (content-type: ${sent.headers['content-type'] ?? '—'}; body: ${sent.body || '—'})`
        : '(nothing recorded)';
      lines.push(`- ${row.operationId}: ${request} → ${row.status} ${describeValue(row.answer.body)}`);
    }
  }
  console.log(lines.join('\n'));
}
