/**
 * Requests Genesys Cloud accepts and Genesys' own SDKs send (genesys-sdks.test.ts records them), which the emulator
 * once refused; and, beside each, what it still refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { accessToken, call, type Chat, GUEST, startChat } from './helpers.js';

let e: Emulator;
let token: string;
let chat: Chat;

beforeAll(async () => {
  e = await startEmulator({ agent: { joinDelayMs: 60_000, typingDelayMs: 60_000, replyDelayMs: 60_000 } });
  token = await accessToken(e);
  chat = await startChat(e);
});
afterAll(() => e.stop());

const json = { 'content-type': 'application/json' };
const code = (answer: { body: unknown }) => (answer.body as { code?: string } | undefined)?.code;

describe('Content-Type: application/json with an empty body, on operations that take none', () => {
  it('is no body: typing, leaving, deleting the settings and a deployment all succeed', async () => {
    const member = `${GUEST}/${chat.id}/members/${chat.member.id}`;
    expect((await call(e, 'POST', `${member}/typing`, { token: chat.jwt, headers: json })).status).toBe(200);
    expect((await call(e, 'DELETE', '/api/v2/webchat/settings', { token, headers: json })).status).toBe(204);
    const created = await call(e, 'POST', '/api/v2/webchat/deployments', { token, body: { name: 'to delete' } });
    const id = (created.body as { id: string }).id;
    expect((await call(e, 'DELETE', `/api/v2/webchat/deployments/${id}`, { token, headers: json })).status).toBe(204);
    const other = await startChat(e);
    expect((await call(e, 'DELETE', `${GUEST}/${other.id}/members/${other.member.id}`, { token: other.jwt, headers: json })).status).toBe(
      204,
    );
  });

  it('a non-empty malformed body is still a 400 ErrorBody', async () => {
    const answer = await call(e, 'POST', `${GUEST}/${chat.id}/members/${chat.member.id}/typing`, {
      token: chat.jwt,
      headers: json,
      body: '{"not json',
    });
    expect(answer.status).toBe(400);
    expect(code(answer)).toBe('bad.request');
  });

  it('an empty body where one is required is a 400 ErrorBody', async () => {
    const answer = await call(e, 'PUT', '/api/v2/webchat/settings', { token, headers: json });
    expect(answer.status).toBe(400);
    expect(code(answer)).toBe('bad.request');
  });

  it("keeps Fastify's protections: prototype poisoning and oversized bodies are refused", async () => {
    const poisoned = await call(e, 'PUT', '/api/v2/webchat/settings', {
      token,
      body: '{"requireDeployment":true,"__proto__":{"polluted":1}}',
    });
    expect(poisoned.status).toBe(400);
    const small = await startEmulator({ bodyLimit: 1_000 });
    try {
      const big = await call(small, 'POST', '/api/v2/webchat/deployments', {
        token: await accessToken(small),
        body: { name: 'x'.repeat(2_000) },
      });
      expect(big.status).toBe(413);
    } finally {
      await small.stop();
    }
  });
});

describe('empty optional query parameters', () => {
  it('mean "not given": ?pageSize=&pageNumber=&excludeDisconnectedMembers= and ?after=&before=&sortOrder=&maxResults=', async () => {
    const members = await call(e, 'GET', `${GUEST}/${chat.id}/members?pageSize=&pageNumber=&excludeDisconnectedMembers=`, {
      token: chat.jwt,
    });
    expect(members.status).toBe(200);
    expect(members.body).toMatchObject({ pageSize: 25, pageNumber: 1 });
    const messages = await call(e, 'GET', `${GUEST}/${chat.id}/messages?after=&before=&sortOrder=&maxResults=`, { token: chat.jwt });
    expect(messages.status).toBe(200);
  });

  it('a non-empty bad value is still invalid.query.param.value', async () => {
    for (const query of ['pageSize=abc', 'pageNumber=0', 'excludeDisconnectedMembers=maybe']) {
      const answer = await call(e, 'GET', `${GUEST}/${chat.id}/members?${query}`, { token: chat.jwt });
      expect(answer.status, query).toBe(400);
      expect(code(answer), query).toBe('invalid.query.param.value');
    }
    const sort = await call(e, 'GET', `${GUEST}/${chat.id}/messages?sortOrder=sideways`, { token: chat.jwt });
    expect(code(sort)).toBe('invalid.query.param.value');
  });
});

describe('read-only fields sent back in a body', () => {
  it('a GET → change → PUT round trip, id and relative selfUri included, succeeds and cannot change the id', async () => {
    const path = `/api/v2/webchat/deployments/${e.deploymentId}`;
    const got = (await call(e, 'GET', path, { token })).body as Record<string, unknown>;
    expect(got.selfUri).toMatch(/^\/api\/v2\//); // relative, as Genesys sends it
    const put = await call(e, 'PUT', path, { token, body: { ...got, description: 'changed' } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: e.deploymentId, description: 'changed' });
    const renamed = await call(e, 'PUT', path, {
      token,
      body: { ...got, id: 'someone-else', selfUri: '/api/v2/webchat/deployments/someone-else' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: e.deploymentId, selfUri: path });
  });

  it('a media request round trip (GET → PATCH with id and selfUri) succeeds', async () => {
    const requestId = e.offerMediaRequest(chat.id);
    const path = `${GUEST}/${chat.id}/mediarequests/${requestId}`;
    const got = (await call(e, 'GET', path, { token: chat.jwt })).body as Record<string, unknown>;
    expect(got).toHaveProperty('selfUri');
    const patched = await call(e, 'PATCH', path, { token: chat.jwt, body: { ...got, state: 'ACCEPTED' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: requestId, state: 'ACCEPTED' });
  });

  it('unknown fields and wrong types in writable fields are still 400 constraint.validation', async () => {
    const path = `/api/v2/webchat/deployments/${e.deploymentId}`;
    for (const body of [{ name: 'x', nmae: 'typo' }, { name: 5 }, { name: 'x', webChatConfig: { webChatSkin: 'basic', colour: 'red' } }]) {
      const answer = await call(e, 'PUT', path, { token, body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(code(answer)).toBe('constraint.validation');
    }
  });
});
