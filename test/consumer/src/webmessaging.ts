/**
 * Web Messaging as a user drives it from an npm install: all 25 REST operations of
 * `WebMessagingAPI` against the emulator, each with the auth the contract gives it — OAuth for the
 * deployments and configurations, the guest's JWT for the message history (obtained over the guest
 * WebSocket with `getJwt`, frames as in Genesys' own clients) and for the token revoke (obtained by
 * the OAuth code exchange), none for the rest — and the typed errors a user meets first.
 *
 * The consumer check runs it from the packed tarballs (main.ts); the suite runs the same file
 * against an emulator it starts (test/integration/webmessaging-operations.test.ts).
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import {
  AuthError,
  errorBodyOf,
  HttpError,
  ValidationError,
  WebMessagingAPI,
  type WebMessagingAPIOptions,
  webMessagingRoutes,
} from '@switchboard/webmessaging';

/** What the emulator prints with `--json` (EmulatorSettings), as far as Web Messaging needs it. */
export interface WebMessagingSettings {
  readonly baseUrl: string;
  readonly loginUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly webMessagingUrl: string;
  readonly webMessagingDeploymentId: string;
}

/** What the run found: the operations that answered as documented, and the errors checked. */
export interface WebMessagingRun {
  readonly operations: readonly string[];
  readonly errors: number;
  /** What it handled that no log line, span or error may show: JWTs, tokens, the guest's message. */
  readonly sensitive: readonly string[];
}

interface Frame {
  readonly type: string;
  readonly class: string;
  readonly code: number;
  readonly body: Record<string, unknown>;
}

/** A guest session over a raw WebSocket: configureSession, one onMessage, getJwt; closed afterwards. */
async function guestJwt(settings: WebMessagingSettings): Promise<{ jwt: string; text: string }> {
  const url = `${settings.webMessagingUrl}?deploymentId=${encodeURIComponent(settings.webMessagingDeploymentId)}&application=consumer-check`;
  const socket = new WebSocket(url);
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data: Buffer) => {
    frames.push(JSON.parse(data.toString('utf8')) as Frame);
    waiters.splice(0).forEach((wake) => wake());
  });
  const next = async (cls: string): Promise<Frame> => {
    for (;;) {
      const found = frames.find((frame) => frame.class === cls);
      if (found) return found;
      const closed = socket.readyState === WebSocket.CLOSED || socket.readyState === WebSocket.CLOSING;
      if (closed) throw new Error(`the guest socket closed before a ${cls}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.on('close', () => waiters.splice(0).forEach((wake) => wake()));
    const token = randomUUID();
    const send = (frame: Record<string, unknown>) => socket.send(JSON.stringify({ token, tracingId: randomUUID(), ...frame }));
    send({ action: 'configureSession', deploymentId: settings.webMessagingDeploymentId });
    const session = await next('SessionResponse');
    if (session.body.connected !== true) throw new Error(`configureSession answered ${JSON.stringify(session.body)}`);
    const text = 'Hello from a project that installed @switchboard/webmessaging with npm.';
    send({ action: 'onMessage', message: { type: 'Text', text } });
    send({ action: 'getJwt' });
    const { body } = await next('JwtResponse');
    if (typeof body.jwt !== 'string') throw new Error('getJwt answered without a jwt');
    return { jwt: body.jwt, text };
  } finally {
    socket.close(1000);
  }
}

/** POSTs to one of the emulator's own controls (not a Genesys API): an authorization code, a co-browse session. */
async function control<T>(settings: WebMessagingSettings, path: string, body: unknown = {}): Promise<T> {
  const response = await fetch(`${settings.baseUrl}/__emulator/messaging/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`the emulator control ${path} answered ${response.status}`);
  return (await response.json()) as T;
}

/** Records an operation that answered with its documented status. */
type Done = (operationId: string, status: number, expected: number) => void;

/** Configurations: create, list, read the draft, change it, publish it, list and read versions. */
async function configurations(api: WebMessagingAPI, ok: Done): Promise<{ configurationId: string; versionId: string }> {
  const created = await api.postWebdeploymentsConfigurations({
    body: { name: 'Consumer check', description: 'made by the consumer check' },
  });
  ok('postWebdeploymentsConfigurations', created.status, 200);
  const configurationId = created.data.id ?? '';
  const listed = await api.getWebdeploymentsConfigurations({ pageSize: '25' });
  if (!listed.data.entities?.some((c) => c.id === configurationId)) throw new Error('the new configuration is not listed');
  ok('getWebdeploymentsConfigurations', listed.status, 200);
  const draft = await api.getWebdeploymentsConfigurationVersionsDraft({ configurationId });
  ok('getWebdeploymentsConfigurationVersionsDraft', draft.status, 200);
  const changed = await api.putWebdeploymentsConfigurationVersionsDraft({
    configurationId,
    body: { ...draft.data, description: 'changed' },
  });
  ok('putWebdeploymentsConfigurationVersionsDraft', changed.status, 200);
  const published = await api.postWebdeploymentsConfigurationVersionsDraftPublish({ configurationId });
  ok('postWebdeploymentsConfigurationVersionsDraftPublish', published.status, 200);
  ok('getWebdeploymentsConfigurationVersions', (await api.getWebdeploymentsConfigurationVersions({ configurationId })).status, 200);
  const versionId = published.data.version ?? '';
  ok(
    'getWebdeploymentsConfigurationVersion',
    (await api.getWebdeploymentsConfigurationVersion({ configurationId, versionId })).status,
    200,
  );
  return { configurationId, versionId };
}

/** Deployments: create on the published version, read, list (by cursor), replace, what it serves, identity resolution. */
async function deployments(api: WebMessagingAPI, ok: Done, configuration: { configurationId: string; versionId: string }): Promise<string> {
  const deployment = await api.postWebdeploymentsDeployments({
    body: {
      name: 'Consumer check',
      allowAllDomains: true,
      configuration: { id: configuration.configurationId, version: configuration.versionId },
    },
  });
  ok('postWebdeploymentsDeployments', deployment.status, 200);
  const deploymentId = deployment.data.id ?? '';
  const read = await api.getWebdeploymentsDeployment({ deploymentId, expand: ['supportedContent'] });
  ok('getWebdeploymentsDeployment', read.status, 200);
  let listedDeployments = 0;
  for await (const listed of api.deployments({ expand: ['Configuration'] })) if (listed.id === deploymentId) listedDeployments++;
  if (listedDeployments !== 1) throw new Error(`the new deployment was listed ${listedDeployments} times`);
  ok('getWebdeploymentsDeployments', 200, 200);
  ok(
    'putWebdeploymentsDeployment',
    (await api.putWebdeploymentsDeployment({ deploymentId, body: { ...read.data, description: 'changed' } })).status,
    200,
  );
  ok('getWebdeploymentsDeploymentConfigurations', (await api.getWebdeploymentsDeploymentConfigurations({ deploymentId })).status, 200);
  const resolve = await api.putWebdeploymentsDeploymentIdentityresolution({ deploymentId, body: { resolveIdentities: true } });
  ok('putWebdeploymentsDeploymentIdentityresolution', resolve.status, 200);
  const identity = await api.getWebdeploymentsDeploymentIdentityresolution({ deploymentId });
  if (identity.data.resolveIdentities !== true) throw new Error('identity resolution did not keep its setting');
  ok('getWebdeploymentsDeploymentIdentityresolution', identity.status, 200);
  return deploymentId;
}

/** Push devices and co-browse (no auth), on the emulator's own deployment. */
async function devicesAndCobrowse(api: WebMessagingAPI, ok: Done, settings: WebMessagingSettings, sensitive: string[]): Promise<void> {
  const device = { deploymentId: settings.webMessagingDeploymentId, tokenId: randomUUID() };
  const insert = { deviceToken: randomUUID(), notificationProvider: 'FCM', language: 'en-us', deviceType: 'android' } as const;
  sensitive.push(insert.deviceToken);
  ok('postWebmessagingDeploymentPushdevice', (await api.postWebmessagingDeploymentPushdevice({ ...device, body: insert })).status, 204);
  ok(
    'patchWebmessagingDeploymentPushdevice',
    (await api.patchWebmessagingDeploymentPushdevice({ ...device, body: { language: 'fr' } })).status,
    204,
  );
  ok('deleteWebmessagingDeploymentPushdevice', (await api.deleteWebmessagingDeploymentPushdevice(device)).status, 204);
  // A co-browse session the emulator's agent offered.
  const cobrowse = await control<{ id: string }>(settings, 'cobrowse', { deploymentId: settings.webMessagingDeploymentId });
  const session = { deploymentId: settings.webMessagingDeploymentId, sessionId: cobrowse.id };
  ok('getWebdeploymentsDeploymentCobrowseSessionId', (await api.getWebdeploymentsDeploymentCobrowseSessionId(session)).status, 200);
  const ended = await api.deleteWebdeploymentsDeploymentCobrowseSessionId(session);
  // The contract documents 200 (Empty) and 204.
  ok('deleteWebdeploymentsDeploymentCobrowseSessionId', ended.status, ended.status === 204 ? 204 : 200);
}

/** The guest's history with the JWT of the guest WebSocket's getJwt; an authenticated session's exchange, refresh and revoke. */
async function guestTokens(api: WebMessagingAPI, ok: Done, settings: WebMessagingSettings, sensitive: string[]): Promise<void> {
  const guest = await guestJwt(settings);
  sensitive.push(guest.jwt, guest.text);
  const history = await api.getWebmessagingMessages({ pageSize: 25 }, { guestJwt: guest.jwt });
  ok('getWebmessagingMessages', history.status, 200);
  if (!history.data.entities?.some((message) => message.direction === 'Inbound' && message.text === guest.text))
    throw new Error("the guest's message is not in its history");
  const { code } = await control<{ code: string }>(settings, 'auth-codes');
  const exchange = await api.postWebdeploymentsTokenOauthcodegrantjwtexchange({
    body: { deploymentId: settings.webMessagingDeploymentId, oauth: { code, redirectUri: 'https://consumer.example/callback' } },
  });
  ok('postWebdeploymentsTokenOauthcodegrantjwtexchange', exchange.status, 200);
  sensitive.push(exchange.data.jwt ?? '', exchange.data.refreshToken ?? '');
  const refreshed = await api.postWebdeploymentsTokenRefresh({
    body: { deploymentId: settings.webMessagingDeploymentId, refreshToken: exchange.data.refreshToken ?? '' },
  });
  ok('postWebdeploymentsTokenRefresh', refreshed.status, 200);
  sensitive.push(refreshed.data.jwt ?? '');
  ok(
    'deleteWebdeploymentsTokenRevoke',
    (await api.deleteWebdeploymentsTokenRevoke({}, { guestJwt: refreshed.data.jwt ?? '' })).status,
    204,
  );
}

/** The errors a user meets first, each typed; how many were checked. */
async function firstErrors(api: WebMessagingAPI, deploymentId: string): Promise<number> {
  const missing = await api.getWebdeploymentsDeployment({ deploymentId }).catch((e: unknown) => e);
  if (!(missing instanceof HttpError) || missing.status !== 404 || errorBodyOf(missing)?.code === undefined)
    throw new Error(`a deleted deployment gave ${String(missing)}`);
  const invalid = await api.putWebdeploymentsDeploymentIdentityresolution({ deploymentId, body: {} as never }).catch((e: unknown) => e);
  if (!(invalid instanceof ValidationError)) throw new Error(`a body without resolveIdentities gave ${String(invalid)}`);
  const badJwt = await api.getWebmessagingMessages({}, { guestJwt: 'not.a-jwt' }).catch((e: unknown) => e);
  if (!(badJwt instanceof HttpError) || badJwt.status !== 401) throw new Error(`a bad guest JWT gave ${String(badJwt)}`);
  const noJwt = await api.getWebmessagingMessages({}, {} as never).catch((e: unknown) => e);
  if (!(noJwt instanceof AuthError)) throw new Error(`a history call without a JWT gave ${String(noJwt)}`);
  return 4;
}

/** The 25 operations, in an order where each finds what the one before made, then the first errors. */
export async function driveWebMessaging(
  settings: WebMessagingSettings,
  extra: Partial<WebMessagingAPIOptions> = {},
): Promise<WebMessagingRun> {
  const api = new WebMessagingAPI({
    baseUrl: settings.baseUrl,
    loginUrl: settings.loginUrl,
    oauth: { clientId: settings.clientId, clientSecret: settings.clientSecret },
    ...extra,
  });
  const done: string[] = [];
  const ok: Done = (operationId, status, expected) => {
    if (status !== expected) throw new Error(`${operationId} answered ${status}, not ${expected}`);
    done.push(operationId);
  };
  let errors = 0;
  const sensitive: string[] = [];
  try {
    const configuration = await configurations(api, ok);
    const deploymentId = await deployments(api, ok, configuration);
    await devicesAndCobrowse(api, ok, settings, sensitive);
    await guestTokens(api, ok, settings, sensitive);
    ok('deleteWebdeploymentsDeployment', (await api.deleteWebdeploymentsDeployment({ deploymentId })).status, 204);
    ok(
      'deleteWebdeploymentsConfiguration',
      (await api.deleteWebdeploymentsConfiguration({ configurationId: configuration.configurationId })).status,
      204,
    );
    errors = await firstErrors(api, deploymentId);
  } finally {
    await api.close();
  }
  const left = Object.keys(webMessagingRoutes).filter((operationId) => !done.includes(operationId));
  if (left.length > 0) throw new Error(`operations not run: ${left.join(', ')}`);
  return { operations: done, errors, sensitive: sensitive.filter((value) => value.length > 0) };
}
