/** Valid inputs for every operation, with hostile ids: what the per-operation tests send. */
import type { RouteDescriptor } from '@switchboard/core';

/** Ids that must stay inside their path segment. */
export const HOSTILE_IDS: Record<string, string> = {
  deploymentId: 'dep/1 ..',
  conversationId: 'conv/../x',
  memberId: 'mem ber',
  messageId: 'msg?#1',
  mediaRequestId: 'média-1',
};

export const SAMPLE_BODIES: Record<string, unknown> = {
  WebChatDeployment: { name: 'Support site', allowedDomains: ['example.com'], webChatConfig: { webChatSkin: 'basic' } },
  WebChatSettings: { requireDeployment: true },
  CreateWebChatMessageRequest: { body: 'Hello there', bodyType: 'standard' },
  CreateWebChatConversationRequest: {
    organizationId: 'org-1',
    deploymentId: 'dep-1',
    routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
    memberInfo: { displayName: 'Pat' },
  },
  WebChatGuestMediaRequest: { types: ['COBROWSE'], state: 'ACCEPTED' },
};

export const SAMPLE_QUERIES: Record<string, { input: Record<string, unknown>; query: Record<string, string> }> = {
  getWebchatGuestConversationMembers: {
    input: { pageSize: 10, pageNumber: 2, excludeDisconnectedMembers: true },
    query: { pageSize: '10', pageNumber: '2', excludeDisconnectedMembers: 'true' },
  },
  getWebchatGuestConversationMessages: {
    input: { after: 'm/1', sortOrder: 'descending', maxResults: 50 },
    query: { after: 'm/1', sortOrder: 'descending', maxResults: '50' },
  },
};

/** A valid input for `route`, and the path and query it must produce. */
export function sampleCall(route: RouteDescriptor): {
  input: Record<string, unknown>;
  path: string;
  query: Record<string, string>;
  body: unknown;
} {
  const input: Record<string, unknown> = {};
  let path = route.path;
  for (const param of route.pathParams) {
    const id = HOSTILE_IDS[param.name] ?? `${param.name}-value`;
    input[param.name] = id;
    path = path.replace(`{${param.name}}`, encodeURIComponent(id));
  }
  const query = SAMPLE_QUERIES[route.operationId];
  Object.assign(input, query?.input ?? {});
  const body = route.body?.schema ? SAMPLE_BODIES[route.body.schema] : undefined;
  if (body !== undefined) input.body = body;
  return { input, path, query: query?.query ?? {}, body };
}
