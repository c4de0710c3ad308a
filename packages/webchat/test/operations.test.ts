/**
 * Every operation over HTTP (nock): method, path with hostile ids, query, body, the Authorization
 * of its scheme (none for creating a chat), the typed answer; and each documented error status
 * as an HttpError carrying its ErrorBody.
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, type RouteDescriptor } from '@switchboard/core';
import { errorBodyOf, WebChatAPI, webChatRoutes } from '@switchboard/webchat';
import { sampleCall } from './samples.js';
import { spec } from './spec.js';

const baseUrl = 'https://api.webchat.test';
const OAUTH = 'oauth-token-abc';
const JWT = 'guest.jwt.for-conversation';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function api(): WebChatAPI {
  // Retries have their own tests: here each status must surface as it came.
  const client = new WebChatAPI({ baseUrl, oauth: OAUTH, retry: false, onDeprecated: () => undefined });
  client.useGuestJwt('conv/../x', JWT);
  return client;
}

/** Calls `operationId` the way a user would: the method named after it. */
function callOperation(
  client: WebChatAPI,
  operationId: string,
  input: Record<string, unknown>,
): Promise<{ data: unknown; status: number; correlationId: string | undefined }> {
  const method = (
    client as unknown as Record<string, (params: unknown) => Promise<{ data: unknown; status: number; correlationId: string | undefined }>>
  )[operationId];
  if (!method) throw new Error(`WebChatAPI has no method ${operationId}`);
  return method.call(client, input);
}

const expectedAuthorization: Record<string, string | undefined> = { oauth: `Bearer ${OAUTH}`, guestJwt: `Bearer ${JWT}`, none: undefined };
const routes = webChatRoutes as Readonly<Record<string, RouteDescriptor>>;

describe.each(spec.operations.map((op) => [op.operationId, op] as const))('%s', (operationId, op) => {
  const route = routes[operationId] as RouteDescriptor;
  const sample = sampleCall(route);
  const success = route.successStatus;
  const answer = success === 204 ? undefined : { id: 'answer-1', fromServer: true };

  it(`sends ${op.method} with its path, query, body and ${op.authScheme} auth, and returns the typed answer`, async () => {
    const seen: { headers: Record<string, unknown>; body: unknown }[] = [];
    nock(baseUrl)
      .intercept(sample.path, op.method)
      .query(sample.query)
      .reply(function (_uri, body) {
        seen.push({ headers: this.req.headers, body });
        return [success, answer, { 'inin-correlation-id': 'corr-ok' }];
      });
    const result = await callOperation(api(), operationId, sample.input);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers.authorization).toBe(expectedAuthorization[op.authScheme]);
    if (sample.body === undefined) expect(seen[0]?.body).toBe('');
    else expect(seen[0]?.body).toEqual(sample.body);
    expect(result).toMatchObject({ status: success, correlationId: 'corr-ok' });
    expect(result.data).toEqual(answer);
  });

  const errors = Object.keys(op.responses).filter((status) => Number(status) >= 400);
  it.each(errors)(`turns a documented %s into an HttpError with its ErrorBody`, async (status) => {
    const body = {
      message: 'Value [7] is not valid for parameter [x]',
      code: op.responses[status]?.schemaRef ? `code.${status}` : 'code',
      status: Number(status),
      messageWithParams: 'Value [{value}] is not valid for parameter [{parameter}]',
      messageParams: { value: '7', parameter: 'x' },
      contextId: `corr-${status}`,
      details: [],
      errors: [],
    };
    nock(baseUrl)
      .intercept(sample.path, op.method)
      .query(sample.query)
      .reply(Number(status), body, { 'inin-correlation-id': `corr-${status}` });
    const error = await callOperation(api(), operationId, sample.input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: Number(status), operationId, correlationId: `corr-${status}`, attempts: 1 });
    expect((error as HttpError).message).toBe(`${operationId}: HTTP ${status}: Value [7] is not valid for parameter [x] (code.${status})`);
    expect(errorBodyOf(error)).toEqual(body);
  });
});
