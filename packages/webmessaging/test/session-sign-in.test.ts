/**
 * Authenticated guest sessions: against the emulator, the code exchanged for a JWT, the session
 * configured with it (again after a drop), revoked on close (the refresh token is then refused,
 * and the JWT no longer signs a session in), a bad code refused by the exchange, bad input refused
 * before anything is sent; and, on a stub of the operations, a JWT about to expire refreshed
 * before it is sent, a refresh that fails leaving the old one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '@switchboard/emulator';
import { sessionClient, startSessionEmulator } from './session-emulator.js';
import { GuestSessionError, HttpError, type SessionEvent, ValidationError, type WebMessagingAPI } from '@switchboard/webmessaging';
import type { WebMessagingOperations } from '../src/generated/operations.js';
import { SessionSignIn } from '../src/session-sign-in.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startSessionEmulator();
});
afterAll(() => emulator.stop());

const api = (): WebMessagingAPI => sessionClient(emulator);

const REDIRECT = 'https://shop.example/signed-in';

async function reopened(events: AsyncIterable<SessionEvent>): Promise<void> {
  let opens = 0;
  for await (const event of events) if (event.type === 'connection' && event.state === 'open' && ++opens === 2) return;
}

describe('an authenticated guest session', () => {
  it('signs in with the code, is configured with the JWT (again after a drop), and revokes it on close', async () => {
    const client = api();
    const { data: grant } = await client.postWebdeploymentsTokenOauthcodegrantjwtexchange({
      body: { deploymentId: emulator.webMessagingDeploymentId, oauth: { code: emulator.messaging.issueAuthCode(), redirectUri: REDIRECT } },
    });
    const signIn = { jwt: grant.jwt ?? '', refreshToken: grant.refreshToken ?? '' };
    const session = await client.startSession({ signIn });
    const reopen = reopened(session.events());
    emulator.messaging.drop(session.token);
    await reopen;
    expect((await session.sendMessage('signed in')).text).toBe('signed in');
    await session.close();
    // Revoked: the refresh token is refused, and the JWT signs no session in.
    const refreshed = await client
      .postWebdeploymentsTokenRefresh({ body: { refreshToken: signIn.refreshToken, deploymentId: emulator.webMessagingDeploymentId } })
      .catch((e: unknown) => e);
    expect(refreshed).toBeInstanceOf(HttpError);
    const again = await client.startSession({ signIn }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(GuestSessionError);
    expect(again).toMatchObject({ failure: 'refused' });
    expect(String(again)).not.toContain(signIn.jwt);
    await client.close();
  });

  it('exchanges an authorization code itself', async () => {
    const client = api();
    const session = await client.startSession({ signIn: { code: emulator.messaging.issueAuthCode(), redirectUri: REDIRECT } });
    expect((await session.sendMessage('hello')).direction).toBe('Inbound');
    await client.close();
  });

  it('rejects a code the exchange refuses with its HttpError, and bad input before anything is sent', async () => {
    const client = api();
    const refused = await client.startSession({ signIn: { code: 'not-a-code-it-issued', redirectUri: REDIRECT } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HttpError);
    expect(String(refused)).not.toContain('not-a-code-it-issued');
    const missing = await client.startSession({ signIn: { code: '', redirectUri: '' } }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ValidationError);
    expect(String(missing)).toContain('/signIn/code');
    expect(String(missing)).toContain('/signIn/redirectUri');
    await client.close();
  });
});

/** A JWT whose `exp` is `secondsLeft` from now (unsigned: the stub does not check it). */
function jwtExpiringIn(secondsLeft: number, name: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ sub: name, exp: Math.floor(Date.now() / 1000) + secondsLeft })}.`;
}

describe('a sign-in’s JWT', () => {
  function stub(refresh: () => Promise<{ data: { jwt?: string } }>) {
    const calls: string[] = [];
    const operations = {
      postWebdeploymentsTokenRefresh: async () => (calls.push('refresh'), refresh()),
      deleteWebdeploymentsTokenRevoke: () => (calls.push('revoke'), Promise.resolve({ data: undefined })),
    } as unknown as WebMessagingOperations;
    return { operations, calls };
  }

  it('is refreshed before it is sent when it has less than a minute left, and kept while it has more', async () => {
    const fresh = jwtExpiringIn(3_600, 'fresh');
    const { operations, calls } = stub(() => Promise.resolve({ data: { jwt: fresh } }));
    const failures: string[] = [];
    const signIn = await SessionSignIn.start(operations, 'd', { jwt: jwtExpiringIn(30, 'old'), refreshToken: 'r' }, (what) =>
      failures.push(what),
    );
    expect(await signIn.jwt(new AbortController().signal)).toBe(fresh);
    expect(await signIn.jwt(new AbortController().signal)).toBe(fresh);
    expect(calls).toEqual(['refresh']);
    await signIn.revoke();
    await signIn.revoke();
    expect(calls).toEqual(['refresh', 'revoke']);
    expect(failures).toEqual([]);
  });

  it('keeps the old JWT when the refresh fails, and says so', async () => {
    const old = jwtExpiringIn(30, 'old');
    const { operations } = stub(() => Promise.reject(new Error('down')));
    const failures: string[] = [];
    const signIn = await SessionSignIn.start(operations, 'd', { jwt: old, refreshToken: 'r' }, (what) => failures.push(what));
    expect(await signIn.jwt(new AbortController().signal)).toBe(old);
    expect(failures).toEqual(['refresh']);
  });
});
