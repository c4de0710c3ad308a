/**
 * Calling a Genesys Cloud endpoint that WebChatAPI does not cover, through the same client:
 * describe it as data, and it gets the same auth (chosen by its `auth` scheme), middleware,
 * validation and typed errors. Run it with `pnpm example:custom-endpoint`.
 */
import { defineRoute } from '@switchboard/core';
import { startEmulator } from '@switchboard/emulator';
import { errorBodyOf, WebChatAPI } from '@switchboard/webchat';

/** DELETE /api/v2/tokens/me: revokes the OAuth token that makes the call. */
const deleteTokensMe = defineRoute<Record<string, never>, undefined>({
  operationId: 'deleteTokensMe',
  method: 'DELETE',
  path: '/api/v2/tokens/me',
  pathParams: [],
  queryParams: [],
  auth: 'oauth',
  idempotent: true,
  deprecated: false,
  successStatus: 204,
});

const emulator = await startEmulator();
try {
  const login = await fetch(`${emulator.loginUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${emulator.client.clientId}:${emulator.client.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const { access_token: token } = (await login.json()) as { access_token: string };
  const api = new WebChatAPI({ baseUrl: emulator.apiUrl, oauth: token, onDeprecated: () => undefined });

  const settings = await api.getWebchatSettings();
  console.log(`With the token, getWebchatSettings answers HTTP ${settings.status}.`);
  const revoked = await api.call(deleteTokensMe, {});
  console.log(`The custom descriptor deleteTokensMe answers HTTP ${revoked.status}: the token is revoked.`);
  const refused = await api.getWebchatSettings().catch((error: unknown) => error);
  console.log(`Now getWebchatSettings fails with ${errorBodyOf(refused)?.code ?? 'an error'}, as it should.`);
  await api.close();
} finally {
  await emulator.stop();
}
