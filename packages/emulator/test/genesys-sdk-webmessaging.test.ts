/**
 * Genesys' own JS SDK as the judge of Web Messaging's REST side: `purecloud-platform-client-v2`
 * 262.0.0 (`WebDeploymentsApi`, 21 operations; `WebMessagingApi`, 4), unmodified, pointed at the
 * emulator as a user would point it (its `basePath` set to the emulator's URL), through a recording proxy so that the wire is
 * visible. Every answer is checked against the contract's model. The SDK's template labels every
 * operation OAuth and sends the OAuth token to all of them; the contract says which take none and
 * which take a guest JWT, so the test swaps in that JWT for those two (setAccessToken).
 */
import { createRequire } from 'node:module';
import type * as PlatformSdk from 'purecloud-platform-client-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { bodyOf, Guest, isClass } from './guest-client.js';
import { messagingSpec, schemaProblems } from './helpers.js';
import { type Extended, type Recorder, settle, startRecorder } from './sdk-wire.js';

// CommonJS whose `module.exports` is an instance; the 262 alias has the same API shape as the typed 252 for what is used here.
const requireCjs = createRequire(import.meta.url);
const sdk = requireCjs('purecloud-platform-client-v2-262') as typeof PlatformSdk & {
  WebDeploymentsApi: new () => Record<string, (...args: unknown[]) => Promise<unknown>>;
  WebMessagingApi: new () => Record<string, (...args: unknown[]) => Promise<unknown>>;
};
const client = sdk.ApiClient.instance;
const deployments = () => new sdk.WebDeploymentsApi();
const messaging = () => new sdk.WebMessagingApi();

const field = (value: unknown, name: string): string => {
  const found = (value as Record<string, unknown> | undefined)?.[name];
  if (typeof found !== 'string') throw new Error(`no string ${name} in ${JSON.stringify(value)}`);
  return found;
};

function successStatus(operationId: string): number[] {
  const operation = messagingSpec.operations.find((o) => o.operationId === operationId);
  if (!operation) throw new Error(`the contract has no ${operationId}`);
  return Object.keys(operation.responses)
    .filter((s) => s.startsWith('2'))
    .map(Number);
}

const passed = new Map<string, number>();
const errorCases: { name: string; operationId: string; status: number; code: string }[] = [];
let e: Emulator;
let proxy: Recorder;
let oauthToken = '';

/** One operation through the SDK: a documented success, and a body that fits the contract's model. */
async function operation(operationId: string, call: () => Promise<unknown>): Promise<Extended> {
  const answer = await settle(call);
  expect(successStatus(operationId), `${operationId} answered ${answer.status}: ${JSON.stringify(answer.body)}`).toContain(answer.status);
  expect(schemaProblems(operationId, answer.status, answer.body), `${operationId}'s answer against the contract's model`).toEqual([]);
  passed.set(operationId, answer.status);
  return answer;
}

/** One error through the SDK: the status, the code, and an ErrorBody that fits the model and carries the correlation id. */
async function errorCase(name: string, operationId: string, status: number, code: string, call: () => Promise<unknown>): Promise<Extended> {
  const answer = await settle(call);
  const body = (answer.body ?? {}) as Record<string, unknown>;
  expect(answer.status, `${name}: ${JSON.stringify(answer.body)}`).toBe(status);
  expect(body.code, name).toBe(code);
  expect(body.status).toBe(status);
  expect(schemaProblems(operationId, status, answer.body), `${name}: ErrorBody against the model`).toEqual([]);
  expect(body.contextId).toBe(answer.headers['inin-correlation-id']);
  errorCases.push({ name, operationId, status, code });
  return answer;
}

/** Runs `call` with another bearer token in the SDK (a guest JWT), then puts the OAuth token back. */
async function withToken<T>(token: string, call: () => Promise<T>): Promise<T> {
  client.setAccessToken(token);
  try {
    return await call();
  } finally {
    client.setAccessToken(oauthToken);
  }
}

beforeAll(async () => {
  e = await startEmulator({ seed: 262, agent: { typingDelayMs: 5, replyDelayMs: 10, joinDelayMs: 5 } });
  proxy = await startRecorder(e.apiUrl);
  client.setReturnExtendedResponses(true);
  client.setGateway({ host: '127.0.0.1', protocol: 'http', port: proxy.port, path_params_login: 'login', path_params_api: '' });
  const login = (await client.loginClientCredentialsGrant(e.client.clientId, e.client.clientSecret)) as { accessToken: string };
  oauthToken = login.accessToken;
});

afterAll(async () => {
  client.clearAccessToken();
  client.setReturnExtendedResponses(false);
  const lines = [
    '',
    '### purecloud-platform-client-v2 262.0.0 against the emulator: Web Messaging',
    '',
    `${passed.size} of ${messagingSpec.operations.length} operations passed (documented success status, body fits the contract's model).`,
    `${errorCases.length} error shapes checked:`,
    ...errorCases.map((c) => `- ${c.name}: ${c.operationId} → ${c.status} ${c.code}`),
  ];
  console.log(lines.join('\n'));
  await proxy?.close();
  await e?.stop();
});

describe('WebDeploymentsApi and WebMessagingApi (SDK 262.0.0): the 25 operations', { timeout: 60_000 }, () => {
  let configurationId = '';
  let deploymentId = '';
  let refreshToken = '';
  let authJwt = '';

  it('getWebdeploymentsDeployments, with expand as an array (collectionFormat multi)', async () => {
    const answer = await operation('getWebdeploymentsDeployments', () =>
      deployments().getWebdeploymentsDeployments({ expand: ['Configuration', 'SupportedContent'] }),
    );
    expect(answer.body).toMatchObject({ entities: [{ id: e.webMessagingDeploymentId, status: 'Active' }] });
    const sent = proxy.sent.at(-1);
    // What axios puts on the wire for the SDK's array: the emulator takes it whichever form it is.
    expect(sent?.url).toMatch(/expand(%5B%5D|\[\])?=Configuration/);
  });

  it('getWebdeploymentsDeployment (expand supportedContent: the profile that allows PDF)', async () => {
    const answer = await operation('getWebdeploymentsDeployment', () =>
      deployments().getWebdeploymentsDeployment(e.webMessagingDeploymentId, { expand: ['supportedContent'] }),
    );
    expect(JSON.stringify(bodyOf({ body: answer.body } as never).supportedContent)).toContain('application/pdf');
  });

  it('postWebdeploymentsConfigurations', async () => {
    const answer = await operation('postWebdeploymentsConfigurations', () =>
      deployments().postWebdeploymentsConfigurations({ name: 'Created by SDK 262', messenger: { enabled: true } }),
    );
    configurationId = field(answer.body, 'id');
    expect(answer.body).toMatchObject({ version: 'draft' });
  });

  it('getWebdeploymentsConfigurations', async () => {
    const answer = await operation('getWebdeploymentsConfigurations', () => deployments().getWebdeploymentsConfigurations());
    expect(answer.body).toMatchObject({ entities: expect.arrayContaining([expect.objectContaining({ id: configurationId })]) as unknown });
  });

  it('getWebdeploymentsConfigurationVersionsDraft', async () => {
    await operation('getWebdeploymentsConfigurationVersionsDraft', () =>
      deployments().getWebdeploymentsConfigurationVersionsDraft(configurationId),
    );
  });

  it('putWebdeploymentsConfigurationVersionsDraft: GET → change → PUT what the GET returned (read-only fields ignored)', async () => {
    const got = await settle(() => deployments().getWebdeploymentsConfigurationVersionsDraft(configurationId));
    const answer = await operation('putWebdeploymentsConfigurationVersionsDraft', () =>
      deployments().putWebdeploymentsConfigurationVersionsDraft(configurationId, {
        ...(got.body as PlatformSdk.Models.WebDeploymentConfigurationVersion),
        description: 'Changed by SDK 262',
      }),
    );
    expect(answer.body).toMatchObject({ id: configurationId, version: 'draft', description: 'Changed by SDK 262' });
  });

  it('postWebdeploymentsConfigurationVersionsDraftPublish (twice: versions 1 and 2)', async () => {
    const first = await operation('postWebdeploymentsConfigurationVersionsDraftPublish', () =>
      deployments().postWebdeploymentsConfigurationVersionsDraftPublish(configurationId),
    );
    expect(first.body).toMatchObject({ version: '1', status: 'Active' });
    const second = await settle(() => deployments().postWebdeploymentsConfigurationVersionsDraftPublish(configurationId));
    expect(second.body).toMatchObject({ version: '2' });
  });

  it('getWebdeploymentsConfigurationVersions (pageSize as the string the contract types, then the next page)', async () => {
    const answer = await operation('getWebdeploymentsConfigurationVersions', () =>
      deployments().getWebdeploymentsConfigurationVersions(configurationId, { pageSize: '2' }),
    );
    expect(answer.body).toMatchObject({ total: 3, entities: [{ version: '1' }, { version: '2' }] });
    const after = new URL(field(answer.body, 'nextUri'), 'http://x').searchParams.get('after') ?? '';
    const next = await settle(() => deployments().getWebdeploymentsConfigurationVersions(configurationId, { pageSize: '2', after }));
    expect(next.body).toMatchObject({ entities: [{ version: 'draft' }] });
  });

  it('getWebdeploymentsConfigurationVersion', async () => {
    const answer = await operation('getWebdeploymentsConfigurationVersion', () =>
      deployments().getWebdeploymentsConfigurationVersion(configurationId, '1'),
    );
    expect(answer.body).toMatchObject({ id: configurationId, version: '1' });
  });

  it('postWebdeploymentsDeployments', async () => {
    const answer = await operation('postWebdeploymentsDeployments', () =>
      deployments().postWebdeploymentsDeployments({
        name: 'Created by SDK 262',
        allowedDomains: ['example.com'],
        configuration: { id: configurationId, version: '1' },
      }),
    );
    deploymentId = field(answer.body, 'id');
    expect(answer.body).toMatchObject({ status: 'Active', configuration: { id: configurationId, version: '1' } });
  });

  it('putWebdeploymentsDeployment: GET → rename → PUT what the GET returned', async () => {
    const got = await settle(() => deployments().getWebdeploymentsDeployment(deploymentId));
    const answer = await operation('putWebdeploymentsDeployment', () =>
      deployments().putWebdeploymentsDeployment(deploymentId, {
        ...(got.body as PlatformSdk.Models.WebDeployment),
        name: 'Renamed by SDK 262',
      }),
    );
    expect(answer.body).toMatchObject({ id: deploymentId, name: 'Renamed by SDK 262' });
  });

  it('getWebdeploymentsDeploymentConfigurations', async () => {
    const answer = await operation('getWebdeploymentsDeploymentConfigurations', () =>
      deployments().getWebdeploymentsDeploymentConfigurations(deploymentId, { type: 'Published', expand: ['supportedContent'] }),
    );
    expect(answer.body).toMatchObject({ configurationVersion: { id: configurationId, version: '1' }, deployment: { id: deploymentId } });
  });

  it('getWebdeploymentsDeploymentIdentityresolution', async () => {
    await operation('getWebdeploymentsDeploymentIdentityresolution', () =>
      deployments().getWebdeploymentsDeploymentIdentityresolution(deploymentId),
    );
  });

  it('putWebdeploymentsDeploymentIdentityresolution: GET → change → PUT', async () => {
    const got = await settle(() => deployments().getWebdeploymentsDeploymentIdentityresolution(deploymentId));
    const answer = await operation('putWebdeploymentsDeploymentIdentityresolution', () =>
      deployments().putWebdeploymentsDeploymentIdentityresolution(deploymentId, { ...(got.body as object), resolveIdentities: true }),
    );
    expect(answer.body).toMatchObject({ resolveIdentities: true });
  });

  it('getWebdeploymentsDeploymentCobrowseSessionId (by id and by join code; no auth in the contract)', async () => {
    const offer = e.messaging.offerCobrowse(deploymentId);
    const answer = await operation('getWebdeploymentsDeploymentCobrowseSessionId', () =>
      deployments().getWebdeploymentsDeploymentCobrowseSessionId(deploymentId, offer.id),
    );
    expect(answer.body).toMatchObject({ id: offer.id, joinCode: offer.joinCode, communicationType: 'Message' });
    const byCode = await settle(() => deployments().getWebdeploymentsDeploymentCobrowseSessionId(deploymentId, offer.joinCode));
    expect(byCode.body).toMatchObject({ id: offer.id });
  });

  it('deleteWebdeploymentsDeploymentCobrowseSessionId', async () => {
    const offer = e.messaging.offerCobrowse(deploymentId);
    await operation('deleteWebdeploymentsDeploymentCobrowseSessionId', () =>
      deployments().deleteWebdeploymentsDeploymentCobrowseSessionId(deploymentId, offer.id),
    );
    expect((await settle(() => deployments().getWebdeploymentsDeploymentCobrowseSessionId(deploymentId, offer.id))).status).toBe(404);
  });

  it('postWebmessagingDeploymentPushdevice, patch…, delete…', async () => {
    await operation('postWebmessagingDeploymentPushdevice', () =>
      messaging().postWebmessagingDeploymentPushdevice(deploymentId, 'device-1', {
        deviceToken: 'fcm-token-1',
        notificationProvider: 'FCM',
        language: 'en-us',
        deviceType: 'android',
      }),
    );
    await operation('patchWebmessagingDeploymentPushdevice', () =>
      messaging().patchWebmessagingDeploymentPushdevice(deploymentId, 'device-1', { language: 'fr' }),
    );
    await operation('deleteWebmessagingDeploymentPushdevice', () =>
      messaging().deleteWebmessagingDeploymentPushdevice(deploymentId, 'device-1'),
    );
  });

  it('postWebdeploymentsTokenOauthcodegrantjwtexchange (a code the emulator issued), then postWebdeploymentsTokenRefresh', async () => {
    const code = e.messaging.issueAuthCode();
    const answer = await operation('postWebdeploymentsTokenOauthcodegrantjwtexchange', () =>
      deployments().postWebdeploymentsTokenOauthcodegrantjwtexchange({
        deploymentId: e.webMessagingDeploymentId,
        oauth: { code, redirectUri: 'https://example.com/callback' },
      }),
    );
    refreshToken = field(answer.body, 'refreshToken');
    authJwt = field(answer.body, 'jwt');
    const refreshed = await operation('postWebdeploymentsTokenRefresh', () =>
      deployments().postWebdeploymentsTokenRefresh({ body: { deploymentId: e.webMessagingDeploymentId, refreshToken } }),
    );
    expect(field(refreshed.body, 'jwt')).not.toBe('');
  });

  it('deleteWebdeploymentsTokenRevoke (the authenticated session’s JWT, with the journey headers)', async () => {
    await withToken(authJwt, () =>
      operation('deleteWebdeploymentsTokenRevoke', () =>
        deployments().deleteWebdeploymentsTokenRevoke({ xJourneySessionId: 'journey-1', xJourneySessionType: 'web' }),
      ),
    );
    const sent = proxy.sent.at(-1);
    expect(sent?.headers['x-journey-session-id']).toBe('journey-1');
    expect(sent?.headers.authorization).toBe(`Bearer ${authJwt}`);
  });

  it('getWebmessagingMessages (the JWT of a guest WebSocket’s getJwt action: the session’s history)', async () => {
    const guest = await Guest.connect(e, 'sdk-262-history');
    try {
      await guest.configure();
      guest.say('Where is my parcel?');
      await guest.next(
        (f) => f.class === 'StructuredMessage' && bodyOf(f).direction === 'Outbound' && bodyOf(f).type !== 'Event',
        'the agent’s reply',
      );
      guest.send({ action: 'getJwt', tracingId: 'jwt' });
      const jwt = field((await guest.next(isClass('JwtResponse'))).body, 'jwt');
      const answer = await withToken(jwt, () =>
        operation('getWebmessagingMessages', () => messaging().getWebmessagingMessages({ pageSize: 25, pageNumber: 1 })),
      );
      expect(answer.body).toMatchObject({ total: 2, pageNumber: 1, pageSize: 25 });
      expect((answer.body as { entities: { direction: string }[] }).entities.map((m) => m.direction)).toEqual(['Outbound', 'Inbound']);
    } finally {
      guest.close();
    }
  });

  it('deleteWebdeploymentsDeployment, then deleteWebdeploymentsConfiguration (no deployment uses it any more)', async () => {
    await operation('deleteWebdeploymentsDeployment', () => deployments().deleteWebdeploymentsDeployment(deploymentId));
    await operation('deleteWebdeploymentsConfiguration', () => deployments().deleteWebdeploymentsConfiguration(configurationId));
  });

  it('went through all 25 operations of the contract', () => {
    expect([...passed.keys()].sort()).toEqual(messagingSpec.operations.map((o) => o.operationId).sort());
    expect(passed.size).toBe(25);
  });
});

describe('error shapes through SDK 262.0.0: the ErrorBody the caller gets', { timeout: 60_000 }, () => {
  it('401: an unknown OAuth token, a revoked or wrong-kind JWT, a code the emulator never issued', async () => {
    await withToken('not-a-token-the-emulator-issued', () =>
      errorCase('401 unknown OAuth token', 'getWebdeploymentsDeployments', 401, 'bad.credentials', () =>
        deployments().getWebdeploymentsDeployments(),
      ),
    );
    const code = e.messaging.issueAuthCode();
    const granted = await settle(() =>
      deployments().postWebdeploymentsTokenOauthcodegrantjwtexchange({
        deploymentId: e.webMessagingDeploymentId,
        oauth: { code, redirectUri: 'https://example.com/cb' },
      }),
    );
    const jwt = field(granted.body, 'jwt');
    await withToken(jwt, () =>
      errorCase('401 an authenticated-session JWT for the history', 'getWebmessagingMessages', 401, 'bad.credentials', () =>
        messaging().getWebmessagingMessages(),
      ),
    );
    await withToken(jwt, () => settle(() => deployments().deleteWebdeploymentsTokenRevoke()));
    await withToken(jwt, () =>
      errorCase('401 revoking a revoked JWT', 'deleteWebdeploymentsTokenRevoke', 401, 'bad.credentials', () =>
        deployments().deleteWebdeploymentsTokenRevoke(),
      ),
    );
    await errorCase('401 the same code twice', 'postWebdeploymentsTokenOauthcodegrantjwtexchange', 401, 'bad.credentials', () =>
      deployments().postWebdeploymentsTokenOauthcodegrantjwtexchange({
        deploymentId: e.webMessagingDeploymentId,
        oauth: { code, redirectUri: 'https://example.com/cb' },
      }),
    );
    await errorCase('401 a refresh token revoked with its JWT', 'postWebdeploymentsTokenRefresh', 401, 'bad.credentials', () =>
      deployments().postWebdeploymentsTokenRefresh({
        body: { deploymentId: e.webMessagingDeploymentId, refreshToken: field(granted.body, 'refreshToken') },
      }),
    );
  });

  it('404: unknown ids, and a push device that is not registered', async () => {
    await errorCase('404 bogus deployment id', 'getWebdeploymentsDeployment', 404, 'not.found', () =>
      deployments().getWebdeploymentsDeployment('no-such-deployment'),
    );
    await errorCase('404 bogus configuration version', 'getWebdeploymentsConfigurationVersion', 404, 'not.found', () =>
      deployments().getWebdeploymentsConfigurationVersion('no-such-configuration', '1'),
    );
    await errorCase('404 unknown push device', 'deleteWebmessagingDeploymentPushdevice', 404, 'device.not.found', () =>
      messaging().deleteWebmessagingDeploymentPushdevice(e.webMessagingDeploymentId, 'never-registered'),
    );
    await errorCase('404 unknown cobrowse session', 'getWebdeploymentsDeploymentCobrowseSessionId', 404, 'not.found', () =>
      deployments().getWebdeploymentsDeploymentCobrowseSessionId(e.webMessagingDeploymentId, 'no-such-session'),
    );
  });

  it('400: bodies and query values that do not fit the contract', async () => {
    const missing = await errorCase(
      '400 a deployment without its configuration',
      'postWebdeploymentsDeployments',
      400,
      'constraint.validation',
      () => deployments().postWebdeploymentsDeployments({ name: 'No configuration' } as unknown as PlatformSdk.Models.WebDeployment),
    );
    expect(field(missing.body, 'message')).toContain('configuration');
    const provider = await errorCase(
      '400 notificationProvider not in the enum',
      'postWebmessagingDeploymentPushdevice',
      400,
      'constraint.validation',
      () =>
        messaging().postWebmessagingDeploymentPushdevice(e.webMessagingDeploymentId, 'device-2', {
          deviceToken: 't',
          notificationProvider: 'SMS',
          language: 'en-us',
          deviceType: 'android',
        }),
    );
    expect(field(provider.body, 'message')).toContain('notificationProvider');
    await errorCase('400 expand value not in the enum', 'getWebdeploymentsDeployment', 400, 'invalid.query.param.value', () =>
      deployments().getWebdeploymentsDeployment(e.webMessagingDeploymentId, { expand: ['everything'] }),
    );
    await errorCase('400 pageSize that is no number', 'getWebdeploymentsDeployments', 400, 'invalid.query.param.value', () =>
      deployments().getWebdeploymentsDeployments({ pageSize: 'lots' }),
    );
  });

  it('409: a push device registered twice, a configuration still in use', async () => {
    const device = { deviceToken: 'apns-1', notificationProvider: 'APNS', language: 'en-us', deviceType: 'ios' };
    await settle(() => messaging().postWebmessagingDeploymentPushdevice(e.webMessagingDeploymentId, 'device-3', device));
    await errorCase('409 device registered twice', 'postWebmessagingDeploymentPushdevice', 409, 'device.already.registered', () =>
      messaging().postWebmessagingDeploymentPushdevice(e.webMessagingDeploymentId, 'device-3', device),
    );
    const active = await settle(() => deployments().getWebdeploymentsDeployment(e.webMessagingDeploymentId));
    const configurationId = field((active.body as { configuration: unknown }).configuration, 'id');
    await errorCase(
      '409 deleting a configuration a deployment uses',
      'deleteWebdeploymentsConfiguration',
      409,
      'configuration.in.use',
      () => deployments().deleteWebdeploymentsConfiguration(configurationId),
    );
  });
});
