/** Invalid input for each operation: one ValidationError listing every problem, and no request at all. */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RouteDescriptor, ValidationError } from '@switchboard/core';
import { WebChatAPI, webChatRoutes } from '@switchboard/webchat';
import { SAMPLE_BODIES, sampleCall } from './samples.js';

const baseUrl = 'https://api.webchat.test';
const routes = webChatRoutes as Readonly<Record<string, RouteDescriptor>>;

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

interface Case {
  readonly operationId: string;
  readonly name: string;
  readonly change: (input: Record<string, unknown>) => Record<string, unknown>;
  readonly problems: readonly { pointer: string; message: string | RegExp }[];
}

const cases: Case[] = [];
for (const [operationId, route] of Object.entries(routes)) {
  for (const param of route.pathParams) {
    cases.push({
      operationId,
      name: `${param.name} missing`,
      change: ({ [param.name]: _gone, ...rest }) => rest,
      problems: [{ pointer: `/${param.name}`, message: 'is required' }],
    });
    cases.push({
      operationId,
      name: `${param.name} empty`,
      change: (input) => ({ ...input, [param.name]: '' }),
      problems: [{ pointer: `/${param.name}`, message: 'must not be empty' }],
    });
  }
  if (route.body?.required) {
    cases.push({
      operationId,
      name: 'body missing',
      change: ({ body: _gone, ...rest }) => rest,
      problems: [{ pointer: '/body', message: 'is required' }],
    });
  }
}

const body = (model: string, changes: Record<string, unknown>) => (input: Record<string, unknown>) => ({
  ...input,
  body: { ...(SAMPLE_BODIES[model] as object), ...changes },
});

cases.push(
  {
    operationId: 'getWebchatGuestConversationMessages',
    name: 'maxResults over 100, a bad sortOrder, a non-string cursor',
    change: (input) => ({ ...input, maxResults: 101, sortOrder: 'sideways', after: 5 }),
    problems: [
      { pointer: '/after', message: 'must be a string' },
      { pointer: '/sortOrder', message: 'must be one of "ascending", "descending"' },
      { pointer: '/maxResults', message: 'must be at most 100' },
    ],
  },
  {
    operationId: 'getWebchatGuestConversationMessages',
    name: 'maxResults 0',
    change: (input) => ({ ...input, maxResults: 0 }),
    problems: [{ pointer: '/maxResults', message: 'must be at least 1' }],
  },
  {
    operationId: 'getWebchatGuestConversationMembers',
    name: 'pageSize not an integer, excludeDisconnectedMembers not a boolean',
    change: (input) => ({ ...input, pageSize: 2.5, excludeDisconnectedMembers: 'yes' }),
    problems: [
      { pointer: '/pageSize', message: 'must be an integer' },
      { pointer: '/excludeDisconnectedMembers', message: 'must be a boolean' },
    ],
  },
  {
    operationId: 'postWebchatGuestConversationMemberMessages',
    name: 'a 4,001-character message with an unknown bodyType',
    change: body('CreateWebChatMessageRequest', { body: 'x'.repeat(4_001), bodyType: 'shout' }),
    problems: [
      { pointer: '/body/bodyType', message: /must be one of "standard"/ },
      { pointer: '/body/body', message: 'must have at most 4000 characters' },
    ],
  },
  {
    operationId: 'postWebchatGuestConversations',
    name: 'no display name, a routing target that is not a queue',
    change: body('CreateWebChatConversationRequest', { memberInfo: {}, routingTarget: { targetType: 'AGENT', targetAddress: 'x' } }),
    problems: [
      { pointer: '/body/routingTarget/targetType', message: 'must be one of "QUEUE"' },
      { pointer: '/body/memberInfo/displayName', message: 'is required' },
    ],
  },
  {
    operationId: 'postWebchatGuestConversations',
    name: 'required fields missing',
    change: (input) => ({ ...input, body: {} }),
    problems: ['deploymentId', 'memberInfo', 'organizationId', 'routingTarget'].map((f) => ({
      pointer: `/body/${f}`,
      message: 'is required',
    })),
  },
  {
    operationId: 'patchWebchatGuestConversationMediarequest',
    name: 'an unknown state and media type',
    change: body('WebChatGuestMediaRequest', { state: 'MAYBE', types: ['FAX'] }),
    problems: [
      { pointer: '/body/types/0', message: 'must be one of "COBROWSE", "SCREENSHARE"' },
      { pointer: '/body/state', message: /must be one of "PENDING"/ },
    ],
  },
  {
    operationId: 'postWebchatDeployments',
    name: 'an unknown skin',
    change: body('WebChatDeployment', { webChatConfig: { webChatSkin: 'neon' } }),
    problems: [{ pointer: '/body/webChatConfig/webChatSkin', message: 'must be one of "basic", "modern-caret-skin"' }],
  },
  {
    operationId: 'putWebchatSettings',
    name: 'a string for a boolean',
    change: body('WebChatSettings', { requireDeployment: 'yes' }),
    problems: [{ pointer: '/body/requireDeployment', message: 'must be boolean' }],
  },
  {
    operationId: 'getWebchatSettings',
    name: 'a parameter it does not take',
    change: () => ({ verbose: true }),
    problems: [{ pointer: '/verbose', message: 'is not a parameter of getWebchatSettings' }],
  },
);

describe('validation before sending', () => {
  it.each(cases.map((c) => [`${c.operationId}: ${c.name}`, c] as const))('%s', async (_title, c) => {
    const seen: string[] = [];
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      nock(baseUrl)
        .intercept(() => true, method)
        .reply(function (uri) {
          seen.push(`${method} ${uri}`);
          return [200, {}];
        });
    }
    const api = new WebChatAPI({ baseUrl, oauth: 'token', onDeprecated: () => undefined });
    api.useGuestJwt('conv/../x', 'jwt');
    const input = c.change(sampleCall(routes[c.operationId] as RouteDescriptor).input);
    const method = (api as unknown as Record<string, (params: unknown) => Promise<unknown>>)[c.operationId] as (
      params: unknown,
    ) => Promise<unknown>;
    const error = await method.call(api, input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).operationId).toBe(c.operationId);
    const expected = c.problems.map((p) => ({
      pointer: p.pointer,
      message: typeof p.message === 'string' ? p.message : (expect.stringMatching(p.message) as unknown),
    }));
    expect((error as ValidationError).problems).toEqual(expected);
    expect(seen).toEqual([]);
  });
});
