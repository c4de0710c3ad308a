/**
 * All 25 operations over HTTP (nock): method and path, the Authorization of the scheme the
 * contract gives each (OAuth, the guest's JWT from the call's options, or none), header and array
 * query parameters on the wire, ErrorBody in errors; and what is refused before anything is sent.
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthError,
  errorBodyOf,
  HttpError,
  type RouteDescriptor,
  ValidationError,
  WebMessagingAPI,
  webMessagingRoutes,
} from '@switchboard/webmessaging';
import { SAMPLE_INPUTS } from './samples.js';
import { spec } from './spec.js';

const baseUrl = 'https://api.webmessaging.test';
const OAUTH = 'oauth-token-abc';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJndWVzdCJ9.c2lnbmF0dXJl';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

// Retries have their own tests: here each answer must surface as it came.
const api = () => new WebMessagingAPI({ baseUrl, oauth: OAUTH, retry: false });

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

function record(status: number, answer?: unknown): Seen[] {
  const seen: Seen[] = [];
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
    nock(baseUrl)
      .intercept(() => true, method)
      .reply(function (uri, body) {
        seen.push({ method, path: uri, headers: this.req.headers, body });
        return answer === undefined ? [status] : [status, answer, { 'inin-correlation-id': 'corr-1' }];
      });
  }
  return seen;
}

/** Calls `operationId` as a user would: the method named after it, with the guest's JWT where the contract wants it. */
function callOperation(client: WebMessagingAPI, operationId: string, input: Record<string, unknown>, guestJwt = JWT) {
  const method = (client as unknown as Record<string, (params: unknown, options?: unknown) => Promise<{ data: unknown; status: number }>>)[
    operationId
  ];
  if (!method) throw new Error(`WebMessagingAPI has no method ${operationId}`);
  return method.call(client, input, { guestJwt });
}

const expectedAuthorization: Record<string, string | undefined> = { oauth: `Bearer ${OAUTH}`, guestJwt: `Bearer ${JWT}`, none: undefined };
const routes = webMessagingRoutes as Readonly<Record<string, RouteDescriptor>>;

describe.each(spec.operations.map((op) => [op.operationId, op] as const))('%s', (operationId, op) => {
  const route = routes[operationId] as RouteDescriptor;
  const input = SAMPLE_INPUTS[operationId as keyof typeof SAMPLE_INPUTS];

  it(`sends ${op.method} ${op.path} with ${op.authScheme} auth and returns the answer`, async () => {
    const answer = route.responseBody ? { id: 'answer-1' } : undefined;
    const seen = record(route.successStatus, answer);
    const result = await callOperation(api(), operationId, input);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe(op.method);
    expect(seen[0]!.path.split('?')[0]).toBe(op.path.replace(/\{(\w+)\}/g, (_, name: string) => String(input[name])));
    expect(seen[0]!.headers.authorization).toBe(expectedAuthorization[op.authScheme]);
    expect(result.status).toBe(route.successStatus);
    expect(result.data).toEqual(answer);
  });

  it('turns an error answer into an HttpError with its ErrorBody', async () => {
    record(404, { message: 'not found', code: 'not.found', status: 404, messageWithParams: 'not found' });
    const error = await callOperation(api(), operationId, input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(errorBodyOf(error)?.code).toBe('not.found');
    expect((error as HttpError).message).toContain('(not.found)');
  });
});

describe('auth', () => {
  it('sends the OAuth token to no guest operation and the guest JWT to no OAuth operation', async () => {
    const seen = record(200, { id: 'x' });
    await api().getWebdeploymentsDeployment({ deploymentId: 'd' }, { guestJwt: JWT } as never);
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${OAUTH}`);
    nock.cleanAll();
    const guest = record(200, { entities: [] });
    await new WebMessagingAPI({ baseUrl, retry: false }).getWebmessagingMessages({}, { guestJwt: JWT });
    expect(guest[0]!.headers.authorization).toBe(`Bearer ${JWT}`);
  });

  it('refuses a guest operation without a JWT, or with one a header cannot carry, sending nothing', async () => {
    const seen = record(200, { entities: [] });
    const missing = await api()
      .getWebmessagingMessages({}, {} as never)
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(AuthError);
    expect((missing as AuthError).message).toContain('guestJwt');
    const broken = await api()
      .getWebmessagingMessages({}, { guestJwt: 'a.b\r\nx-admin: 1' })
      .catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(AuthError);
    expect((broken as AuthError).message).not.toContain('x-admin');
    expect(seen).toEqual([]);
  });

  it('refuses an OAuth operation when no OAuth is configured, naming the option', async () => {
    const error = await new WebMessagingAPI({ baseUrl }).getWebdeploymentsDeployments().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).message).toContain('pass `oauth` to WebMessagingAPI');
  });
});

describe('parameters on the wire', () => {
  it('sends header parameters under their wire names, and array query parameters as repeated keys', async () => {
    const seen = record(204);
    await api().deleteWebdeploymentsTokenRevoke({ xJourneySessionId: 'journey-1', xJourneySessionType: 'web' }, { guestJwt: JWT });
    expect(seen[0]!.headers).toMatchObject({ 'x-journey-session-id': 'journey-1', 'x-journey-session-type': 'web' });
    nock.cleanAll();
    const listed = record(200, { entities: [] });
    await api().getWebdeploymentsDeployments({ expand: ['Configuration', 'identityresolution'], pageSize: '10' });
    expect(listed[0]!.path).toBe('/api/v2/webdeployments/deployments?pageSize=10&expand=Configuration&expand=identityresolution');
  });

  it('checks input before sending: an unknown expand value, a body missing what the contract requires', async () => {
    const seen = record(200, {});
    const expand = await api()
      .getWebdeploymentsDeployments({ expand: ['configuration' as 'Configuration'] })
      .catch((e: unknown) => e);
    expect(expand).toBeInstanceOf(ValidationError);
    expect((expand as ValidationError).problems[0]).toMatchObject({ pointer: '/expand/0' });
    const body = await api()
      .postWebdeploymentsDeployments({ body: { name: 'x' } as never })
      .catch((e: unknown) => e);
    expect((body as ValidationError).problems).toEqual([{ pointer: '/body/configuration', message: 'is required' }]);
    expect(seen).toEqual([]);
  });
});

describe('paging', () => {
  it('walks deployments by the cursor in each nextUri', async () => {
    const asked: string[] = [];
    nock(baseUrl)
      .get('/api/v2/webdeployments/deployments')
      .query(true)
      .times(2)
      .reply(function (uri) {
        asked.push(uri);
        return uri.includes('after=')
          ? [200, { entities: [{ id: 'd3' }] }]
          : [200, { entities: [{ id: 'd1' }, { id: 'd2' }], nextUri: '/api/v2/webdeployments/deployments?after=cursor-2' }];
      });
    const ids: (string | undefined)[] = [];
    for await (const deployment of api().deployments()) ids.push(deployment.id);
    expect(ids).toEqual(['d1', 'd2', 'd3']);
    expect(asked).toEqual(['/api/v2/webdeployments/deployments', '/api/v2/webdeployments/deployments?after=cursor-2']);
  });

  it('walks a guest’s message history by page number, with the guest’s JWT on each page', async () => {
    const auth: (string | undefined)[] = [];
    nock(baseUrl)
      .get('/api/v2/webmessaging/messages')
      .query(true)
      .times(2)
      .reply(function (uri) {
        auth.push(this.req.headers.authorization);
        return uri.includes('pageNumber=1')
          ? [200, { entities: [{ id: 'm1' }, { id: 'm2' }], pageNumber: 1, pageCount: 2 }]
          : [200, { entities: [{ id: 'm3' }], pageNumber: 2, pageCount: 2 }];
      });
    const ids: (string | undefined)[] = [];
    for await (const message of api().messages({ pageSize: 2 }, { guestJwt: JWT })) ids.push(message.id);
    expect(ids).toEqual(['m1', 'm2', 'm3']);
    expect(auth).toEqual([`Bearer ${JWT}`, `Bearer ${JWT}`]);
  });
});
