/** No OAuth token, client secret or guest JWT in what this package creates: inspection, JSON, error messages. */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { WebChatAPI } from '@switchboard/webchat';

const OAUTH = 'oauth-SECRET-7f3a';
let e: Emulator;

function renderings(value: unknown): string {
  let json = '';
  try {
    json = JSON.stringify(value) ?? '';
  } catch {
    json = '';
  }
  const asError = value instanceof Error ? `${value.message}\n${value.stack ?? ''}` : '';
  return [inspect(value, { depth: 10, showHidden: true, getters: true }), json, String(value), asError].join('\n');
}

beforeAll(async () => {
  e = await startEmulator();
});
afterAll(() => e.stop());

describe('secrets', () => {
  it('stay out of WebChatAPI, GuestChat, results and every error a guest and an admin call can raise', async () => {
    const api = new WebChatAPI({ baseUrl: e.apiUrl, oauth: OAUTH, onDeprecated: () => undefined });
    const chat = await api.startGuestChat({
      organizationId: e.organizationId,
      deploymentId: e.deploymentId,
      routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
      memberInfo: { displayName: 'Pat' },
    });
    const { data: created } = await api.postWebchatGuestConversations({
      body: {
        organizationId: e.organizationId,
        deploymentId: e.deploymentId,
        routingTarget: { targetType: 'QUEUE', targetAddress: 'q' },
        memberInfo: { displayName: 'x' },
      },
    });
    const jwt = created.jwt ?? '';
    const streamToken = new URL(chat.eventStreamUri).searchParams.get('token') ?? '';
    expect(jwt.length).toBeGreaterThan(20);
    expect(streamToken.length).toBeGreaterThan(10);

    const things: unknown[] = [api, chat];
    things.push(await chat.sendMessage('hello'));
    things.push(await api.getWebchatGuestConversationMessages({ conversationId: created.id ?? '' }));
    things.push(await api.getWebchatSettings().catch((error: unknown) => error)); // 401: the token is not the emulator's
    things.push(await chat.sendMessage('x'.repeat(4_001)).catch((error: unknown) => error));
    things.push(
      await api
        .getWebchatGuestConversationMember({ conversationId: created.id ?? '', memberId: 'nobody' })
        .catch((error: unknown) => error),
    );
    things.push(await api.getWebchatGuestConversationMembers({ conversationId: 'unknown' }).catch((error: unknown) => error));
    const failing = new WebChatAPI({
      baseUrl: e.apiUrl,
      oauth: { getAccessToken: () => Promise.reject(new Error(`token service said ${OAUTH}`)) },
      onDeprecated: () => undefined,
    });
    things.push(await failing.getWebchatSettings().catch((error: unknown) => error));

    expect(things.filter((t) => t instanceof Error)).toHaveLength(5);
    for (const thing of things) {
      const text = renderings(thing);
      for (const secret of [OAUTH, jwt, streamToken, e.client.clientSecret]) expect(text.includes(secret), text.slice(0, 400)).toBe(false);
    }
    await api.close();
  });
});
