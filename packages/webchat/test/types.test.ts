/**
 * Compile-time guarantees: a wrong parameter name, a wrong enum value, or a read-only field in a
 * request does not compile. These are checked by `tsc` (the test command's typecheck, which
 * includes test files); at run time vitest only sees them pass.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { CallResult } from '@switchboard/core';
import type { WebChatAPI, WebChatDeployment, WebChatDeploymentInput, WebChatMessage, WebChatMessageEntityList } from '@switchboard/webchat';

declare const api: WebChatAPI;

describe('types', () => {
  it('give each method its typed answer', () => {
    expectTypeOf<ReturnType<WebChatAPI['getWebchatDeployment']>>().toEqualTypeOf<Promise<CallResult<WebChatDeployment>>>();
    expectTypeOf<ReturnType<WebChatAPI['getWebchatGuestConversationMessages']>>().toEqualTypeOf<
      Promise<CallResult<WebChatMessageEntityList>>
    >();
    expectTypeOf<ReturnType<WebChatAPI['postWebchatGuestConversationMemberMessages']>>().toEqualTypeOf<
      Promise<CallResult<WebChatMessage>>
    >();
    expectTypeOf<ReturnType<WebChatAPI['deleteWebchatDeployment']>>().toEqualTypeOf<Promise<CallResult<undefined>>>();
  });

  it('refuse wrong names, wrong enum values and read-only fields', () => {
    const compileOnly = () => {
      // @ts-expect-error: the spec's name is deploymentId.
      void api.getWebchatDeployment({ deploymentID: 'x' });
      // @ts-expect-error: sortOrder is 'ascending' | 'descending'.
      void api.getWebchatGuestConversationMessages({ conversationId: 'c', sortOrder: 'newest' });
      // @ts-expect-error: bodyType is an enum.
      void api.postWebchatGuestConversationMemberMessages({ conversationId: 'c', memberId: 'm', body: { body: 'hi', bodyType: 'shout' } });
      // @ts-expect-error: id is read-only: the server sets it.
      void api.postWebchatDeployments({ body: { name: 'x', id: 'mine' } });
      // @ts-expect-error: selfUri is read-only too.
      void api.putWebchatDeployment({ deploymentId: 'd', body: { selfUri: '/x' } });
      // @ts-expect-error: a required path parameter cannot be left out.
      void api.getWebchatGuestConversationMember({ conversationId: 'c' });
      void api.startGuestChat({
        organizationId: 'o',
        deploymentId: 'd',
        // @ts-expect-error: targetType is 'QUEUE'.
        routingTarget: { targetType: 'AGENT', targetAddress: 'a' },
        memberInfo: { displayName: 'x' },
      });
    };
    void compileOnly;
    expectTypeOf<WebChatDeploymentInput>().not.toHaveProperty('id');
    expectTypeOf<WebChatDeployment>().toHaveProperty('id');
  });
});
