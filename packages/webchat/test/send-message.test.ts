/**
 * GuestChat.sendMessage's own options, before and while it waits for its turn: a bad budget is a
 * ConfigurationError naming it, before anything is sent; an abort is the caller's at once, and the
 * message it withdrew is never sent, and never an unhandled rejection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, ConfigurationError } from '@switchboard/core';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { WebChatAPI } from '@switchboard/webchat';

let e: Emulator;
const SEND = 'postWebchatGuestConversationMemberMessages';

beforeAll(async () => {
  e = await startEmulator({ agent: { joinDelayMs: 5, typingDelayMs: 5, replyDelayMs: 10 } });
});
afterAll(() => e.stop());

async function startChat() {
  const api = new WebChatAPI({ baseUrl: e.apiUrl, onDeprecated: () => undefined });
  const chat = await api.startGuestChat({
    organizationId: e.organizationId,
    deploymentId: e.deploymentId,
    routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
    memberInfo: { displayName: 'Pat' },
  });
  return { api, chat };
}

describe('GuestChat.sendMessage', () => {
  it('refuses a bad totalTimeout with a ConfigurationError that names it, and sends nothing', async () => {
    const { api, chat } = await startChat();
    const before = e.stats.requests(SEND);
    for (const totalTimeout of [Number.NaN, -1]) {
      const refusal = chat.sendMessage('never sent', { totalTimeout });
      await expect(refusal).rejects.toBeInstanceOf(ConfigurationError);
      await expect(refusal).rejects.toThrow(/totalTimeout/);
    }
    expect(e.stats.requests(SEND)).toBe(before);
    await api.close();
  });

  it('rejects a message whose signal had already aborted, sends it never, and leaves no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const { api, chat } = await startChat();
      const before = e.stats.requests(SEND);
      await expect(chat.sendMessage('withdrawn', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
      await expect(chat.sendMessage('sent')).resolves.toMatchObject({ status: 200 });
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      expect(e.stats.requests(SEND)).toBe(before + 1);
      await api.close();
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});
