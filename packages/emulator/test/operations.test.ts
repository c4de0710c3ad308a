/** Each of the 19 operations, driven with plain fetch: success shapes checked against the spec, documented errors, ErrorBody shape. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { accessToken, call, type Chat, chatRequest, GUEST, OPERATION_IDS, schemaProblems, startChat } from './helpers.js';

let e: Emulator;
let oauth: string;
const covered = new Set<string>();

/** Calls, checks the answer against the spec for `operationId`, and records the operation as covered. */
async function expectOperation(
  operationId: string,
  status: number,
  method: string,
  path: string,
  options: Parameters<typeof call>[3] = {},
) {
  const answer = await call(e, method, path, options);
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(schemaProblems(operationId, status, answer.body)).toEqual([]);
  expect(answer.headers.get('inin-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  if (status >= 400) {
    const body = answer.body as Record<string, unknown>;
    expect(body).toMatchObject({ status, contextId: answer.headers.get('inin-correlation-id') });
    expect(typeof body.code).toBe('string');
    expect(typeof body.message).toBe('string');
    expect(typeof body.messageWithParams).toBe('string');
    expect(typeof body.messageParams).toBe('object');
  }
  if (status < 300) covered.add(operationId);
  return answer;
}

beforeAll(async () => {
  e = await startEmulator({ seed: 42, agent: { joinDelayMs: 5, typingDelayMs: 5, replyDelayMs: 10 } });
  oauth = await accessToken(e);
});
afterAll(() => e.stop());

describe('deployments (OAuth)', () => {
  it('lists, creates, reads, replaces and deletes', async () => {
    const listed = await expectOperation('getWebchatDeployments', 200, 'GET', '/api/v2/webchat/deployments', { token: oauth });
    expect(listed.body).toMatchObject({ total: 1, entities: [{ id: e.deploymentId }] });

    const created = await expectOperation('postWebchatDeployments', 200, 'POST', '/api/v2/webchat/deployments', {
      token: oauth,
      body: {
        name: 'Support site',
        id: 'ignored-read-only',
        allowedDomains: ['example.com'],
        webChatConfig: { webChatSkin: 'modern-caret-skin' },
      },
    });
    const id = (created.body as { id: string }).id;
    expect(id).not.toBe('ignored-read-only');
    expect(created.body).toMatchObject({ name: 'Support site', selfUri: `/api/v2/webchat/deployments/${id}` });

    await expectOperation('getWebchatDeployment', 200, 'GET', `/api/v2/webchat/deployments/${id}`, { token: oauth });
    const replaced = await expectOperation('putWebchatDeployment', 200, 'PUT', `/api/v2/webchat/deployments/${id}`, {
      token: oauth,
      body: { name: 'Renamed', disabled: true },
    });
    expect(replaced.body).toEqual({ id, name: 'Renamed', disabled: true, selfUri: `/api/v2/webchat/deployments/${id}` });
    await expectOperation('deleteWebchatDeployment', 204, 'DELETE', `/api/v2/webchat/deployments/${id}`, { token: oauth });
    await expectOperation('getWebchatDeployment', 404, 'GET', `/api/v2/webchat/deployments/${id}`, { token: oauth });
    await expectOperation('putWebchatDeployment', 404, 'PUT', `/api/v2/webchat/deployments/${id}`, { token: oauth, body: {} });
    await expectOperation('deleteWebchatDeployment', 404, 'DELETE', `/api/v2/webchat/deployments/${id}`, { token: oauth });
  });

  it('rejects bodies that do not fit the model, naming the field', async () => {
    const bad = await expectOperation('postWebchatDeployments', 400, 'POST', '/api/v2/webchat/deployments', {
      token: oauth,
      body: { name: 5, webChatConfig: { webChatSkin: 'neon' } },
    });
    expect(bad.body).toMatchObject({ code: 'constraint.validation' });
    expect((bad.body as { message: string }).message).toMatch(/name.*string.*webChatConfig\.webChatSkin/);
    const malformed = await expectOperation('postWebchatDeployments', 400, 'POST', '/api/v2/webchat/deployments', {
      token: oauth,
      body: '{"name":',
    });
    expect(malformed.body).toMatchObject({ code: 'bad.request' });
    const wrongType = await expectOperation('postWebchatDeployments', 415, 'POST', '/api/v2/webchat/deployments', {
      token: oauth,
      body: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.body).toMatchObject({ code: 'unsupported.media.type' });
  });
});

describe('settings (OAuth)', () => {
  it('reads, replaces and resets', async () => {
    const initial = await expectOperation('getWebchatSettings', 200, 'GET', '/api/v2/webchat/settings', { token: oauth });
    expect(initial.body).toEqual({ requireDeployment: false });
    await expectOperation('putWebchatSettings', 200, 'PUT', '/api/v2/webchat/settings', {
      token: oauth,
      body: { requireDeployment: true },
    });
    expect((await call(e, 'GET', '/api/v2/webchat/settings', { token: oauth })).body).toEqual({ requireDeployment: true });
    await expectOperation('putWebchatSettings', 400, 'PUT', '/api/v2/webchat/settings', {
      token: oauth,
      body: { requireDeployment: 'yes' },
    });
    await expectOperation('deleteWebchatSettings', 204, 'DELETE', '/api/v2/webchat/settings', { token: oauth });
    expect((await call(e, 'GET', '/api/v2/webchat/settings', { token: oauth })).body).toEqual({ requireDeployment: false });
  });
});

describe('guest chat', () => {
  let chat: Chat;
  beforeAll(async () => {
    chat = await startChat(e);
  });

  it('creates a conversation with no auth, answering id, jwt, event stream and member', async () => {
    const created = await expectOperation('postWebchatGuestConversations', 200, 'POST', GUEST, {
      body: chatRequest(e, { memberInfo: { displayName: 'Sam', customFields: { plan: 'gold' } } }),
    });
    expect(created.body).toMatchObject({
      jwt: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/) as string,
      member: { role: 'CUSTOMER', state: 'CONNECTED', displayName: 'Sam' },
    });
    expect((created.body as Chat).eventStreamUri).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/streaming\/conversations\//);
  });

  it('rejects a create request without required fields, with a bad routing target, or for an unknown or disabled deployment', async () => {
    const missing = await expectOperation('postWebchatGuestConversations', 400, 'POST', GUEST, {
      body: { organizationId: e.organizationId },
    });
    for (const field of ['deploymentId', 'memberInfo', 'routingTarget'])
      expect((missing.body as { message: string }).message).toContain(field);
    await expectOperation('postWebchatGuestConversations', 400, 'POST', GUEST, {
      body: chatRequest(e, { routingTarget: { targetType: 'AGENT', targetAddress: 'x' } }),
    });
    await expectOperation('postWebchatGuestConversations', 404, 'POST', GUEST, {
      body: chatRequest(e, { deploymentId: 'no-such-deployment' }),
    });
    const disabled = (await call(e, 'POST', '/api/v2/webchat/deployments', { token: oauth, body: { name: 'off', disabled: true } }))
      .body as { id: string };
    const refused = await expectOperation('postWebchatGuestConversations', 400, 'POST', GUEST, {
      body: chatRequest(e, { deploymentId: disabled.id }),
    });
    expect(refused.body).toMatchObject({ code: 'chat.deployment.disabled' });
  });

  it('sends messages and typing as the JWT’s member, and refuses a 4,001-character message', async () => {
    const path = `${GUEST}/${chat.id}/members/${chat.member.id}`;
    const sent = await expectOperation('postWebchatGuestConversationMemberMessages', 200, 'POST', `${path}/messages`, {
      token: chat.jwt,
      body: { body: 'x'.repeat(4_000) },
    });
    expect(sent.body).toMatchObject({
      body: 'x'.repeat(4_000),
      bodyType: 'standard',
      sender: { id: chat.member.id },
      conversation: { id: chat.id },
    });
    const tooLong = await expectOperation('postWebchatGuestConversationMemberMessages', 400, 'POST', `${path}/messages`, {
      token: chat.jwt,
      body: { body: 'x'.repeat(4_001) },
    });
    expect(JSON.stringify(tooLong.body)).not.toContain('xxxx');
    await expectOperation('postWebchatGuestConversationMemberMessages', 400, 'POST', `${path}/messages`, {
      token: chat.jwt,
      body: { bodyType: 'standard' },
    });
    await expectOperation('postWebchatGuestConversationMemberMessages', 400, 'POST', `${path}/messages`, {
      token: chat.jwt,
      body: { body: 'hi', bodyType: 'shout' },
    });
    await expectOperation('postWebchatGuestConversationMemberTyping', 200, 'POST', `${path}/typing`, { token: chat.jwt });
    expect(e.stats.messagesStored(chat.id)).toBe(1);
  });

  it('reads members, one member, one message, and 404s for unknown ids', async () => {
    const members = await expectOperation('getWebchatGuestConversationMembers', 200, 'GET', `${GUEST}/${chat.id}/members`, {
      token: chat.jwt,
    });
    expect(members.body).toMatchObject({ pageSize: 25, pageNumber: 1, total: 1, pageCount: 1, entities: [{ id: chat.member.id }] });
    await expectOperation('getWebchatGuestConversationMember', 200, 'GET', `${GUEST}/${chat.id}/members/${chat.member.id}`, {
      token: chat.jwt,
    });
    await expectOperation('getWebchatGuestConversationMember', 404, 'GET', `${GUEST}/${chat.id}/members/nobody`, { token: chat.jwt });
    const page = (await call(e, 'GET', `${GUEST}/${chat.id}/messages`, { token: chat.jwt })).body as { entities: { id: string }[] };
    const first = page.entities[0]?.id ?? '';
    await expectOperation('getWebchatGuestConversationMessage', 200, 'GET', `${GUEST}/${chat.id}/messages/${first}`, { token: chat.jwt });
    await expectOperation('getWebchatGuestConversationMessage', 404, 'GET', `${GUEST}/${chat.id}/messages/nothing`, { token: chat.jwt });
    await expectOperation('getWebchatGuestConversationMembers', 400, 'GET', `${GUEST}/${chat.id}/members?pageSize=abc`, {
      token: chat.jwt,
    });
  });

  it('pages messages with after, before, sortOrder and maxResults', async () => {
    const fresh = await startChat(e);
    const path = `${GUEST}/${fresh.id}/members/${fresh.member.id}/messages`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(((await call(e, 'POST', path, { token: fresh.jwt, body: { body: `m${i}` } })).body as { id: string }).id);
    const list = (query: string) =>
      expectOperation('getWebchatGuestConversationMessages', 200, 'GET', `${GUEST}/${fresh.id}/messages${query}`, { token: fresh.jwt });
    const bodies = (answer: { body: unknown }) => (answer.body as { entities: { body: string }[] }).entities.map((m) => m.body);

    const firstPage = await list('?maxResults=2');
    expect(bodies(firstPage)).toEqual(['m0', 'm1']);
    const next = (firstPage.body as { next?: string }).next;
    expect(next).toContain(`after=${ids[1]}`);
    expect(bodies(await list(`?after=${ids[1]}&maxResults=2`))).toEqual(['m2', 'm3']);
    expect(bodies(await list('?sortOrder=descending&maxResults=2'))).toEqual(['m4', 'm3']);
    expect(bodies(await list(`?before=${ids[3]}&maxResults=2`))).toEqual(['m1', 'm2']);
    expect(bodies(await list(`?before=${ids[3]}&sortOrder=descending`))).toEqual(['m2', 'm1', 'm0']);
    expect(bodies(await list(`?after=${ids[0]}&before=${ids[4]}`))).toEqual(['m1', 'm2', 'm3']);
    const last = await list(`?after=${ids[4]}`);
    expect(bodies(last)).toEqual([]);
    expect((last.body as { next?: string }).next).toBeUndefined();

    await expectOperation('getWebchatGuestConversationMessages', 400, 'GET', `${GUEST}/${fresh.id}/messages?maxResults=101`, {
      token: fresh.jwt,
    });
    await expectOperation('getWebchatGuestConversationMessages', 400, 'GET', `${GUEST}/${fresh.id}/messages?sortOrder=sideways`, {
      token: fresh.jwt,
    });
    await expectOperation('getWebchatGuestConversationMessages', 400, 'GET', `${GUEST}/${fresh.id}/messages?after=unknown`, {
      token: fresh.jwt,
    });
  });

  it('lists, reads and answers media requests', async () => {
    const fresh = await startChat(e);
    const empty = await expectOperation('getWebchatGuestConversationMediarequests', 200, 'GET', `${GUEST}/${fresh.id}/mediarequests`, {
      token: fresh.jwt,
    });
    expect(empty.body).toEqual({ entities: [] });
    const requestId = e.offerMediaRequest(fresh.id, ['SCREENSHARE']);
    const one = await expectOperation(
      'getWebchatGuestConversationMediarequest',
      200,
      'GET',
      `${GUEST}/${fresh.id}/mediarequests/${requestId}`,
      { token: fresh.jwt },
    );
    expect(one.body).toMatchObject({ id: requestId, state: 'PENDING', types: ['SCREENSHARE'] });
    const accepted = await expectOperation(
      'patchWebchatGuestConversationMediarequest',
      200,
      'PATCH',
      `${GUEST}/${fresh.id}/mediarequests/${requestId}`,
      {
        token: fresh.jwt,
        body: { state: 'ACCEPTED', types: ['SCREENSHARE'] },
      },
    );
    expect(accepted.body).toMatchObject({ state: 'ACCEPTED' });
    await expectOperation('patchWebchatGuestConversationMediarequest', 400, 'PATCH', `${GUEST}/${fresh.id}/mediarequests/${requestId}`, {
      token: fresh.jwt,
      body: { state: 'DECLINED', types: ['SCREENSHARE'] },
    });
    await expectOperation('patchWebchatGuestConversationMediarequest', 400, 'PATCH', `${GUEST}/${fresh.id}/mediarequests/${requestId}`, {
      token: fresh.jwt,
      body: { state: 'MAYBE' },
    });
    await expectOperation('getWebchatGuestConversationMediarequest', 404, 'GET', `${GUEST}/${fresh.id}/mediarequests/none`, {
      token: fresh.jwt,
    });
  });

  it('lets the guest leave: the member becomes DISCONNECTED and can no longer write', async () => {
    const fresh = await startChat(e);
    const member = `${GUEST}/${fresh.id}/members/${fresh.member.id}`;
    await expectOperation('deleteWebchatGuestConversationMember', 204, 'DELETE', member, { token: fresh.jwt });
    const after = await call(e, 'GET', member, { token: fresh.jwt });
    expect(after.body).toMatchObject({ state: 'DISCONNECTED', leaveDate: expect.any(String) as string });
    const refused = await expectOperation('postWebchatGuestConversationMemberMessages', 400, 'POST', `${member}/messages`, {
      token: fresh.jwt,
      body: { body: 'still there?' },
    });
    expect(refused.body).toMatchObject({ code: 'chat.error.member.state' });
    await expectOperation('postWebchatGuestConversationMemberTyping', 400, 'POST', `${member}/typing`, { token: fresh.jwt });
    const visible = await call(e, 'GET', `${GUEST}/${fresh.id}/members?excludeDisconnectedMembers=true`, { token: fresh.jwt });
    expect(visible.body).toMatchObject({ total: 0, entities: [] });
  });

  it('covers all 19 operations of the spec with a success', () => {
    expect([...covered].sort()).toEqual([...OPERATION_IDS].sort());
    expect(OPERATION_IDS).toHaveLength(19);
  });
});
