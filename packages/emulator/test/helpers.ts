/** Plain-fetch helpers for the emulator's contract tests: deliberately not our client. */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { Emulator } from '@switchboard/emulator';
export { sleep } from '../../../test/support/time.js';

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

export async function call(
  e: Emulator,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${e.apiUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

export async function token(e: Emulator, secret = e.client.clientSecret): Promise<Answer> {
  const response = await fetch(`${e.loginUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${e.client.clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
}

export async function accessToken(e: Emulator): Promise<string> {
  return ((await token(e)).body as { access_token: string }).access_token;
}

export interface Chat {
  readonly id: string;
  readonly jwt: string;
  readonly eventStreamUri: string;
  readonly member: { readonly id: string };
}

export const GUEST = '/api/v2/webchat/guest/conversations';

export function chatRequest(e: Emulator, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    organizationId: e.organizationId,
    deploymentId: e.deploymentId,
    routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
    memberInfo: { displayName: 'Pat Guest' },
    ...extra,
  };
}

export async function startChat(e: Emulator): Promise<Chat> {
  const answer = await call(e, 'POST', GUEST, { body: chatRequest(e) });
  if (answer.status !== 200) throw new Error(`create chat answered ${answer.status}`);
  return answer.body as Chat;
}

interface ContractFile {
  definitions: Record<string, unknown>;
  operations: { operationId: string; responses: Record<string, { schemaRef: string | null }> }[];
}
const contract = (name: string) => JSON.parse(readFileSync(new URL(`../../../spec/${name}.json`, import.meta.url), 'utf8')) as ContractFile;
const spec = contract('webchat-api');
/** The Web Messaging platform API contract (25 operations). */
export const messagingSpec = contract('webmessaging-platform-api');
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv, ['uri-reference', 'date', 'date-time']);
// The spec's `uri` properties hold paths relative to the API host, as Genesys sends them.
ajv.addFormat('uri', true).addFormat('int32', true).addFormat('int64', true).addFormat('double', true);
ajv.addSchema({ $id: 'webchat', definitions: spec.definitions });
ajv.addSchema({ $id: 'webmessaging', definitions: messagingSpec.definitions });

/** Problems with `body` as its contract's schema for this operation and status (WebChat or Web Messaging), or [] when it fits. */
export function schemaProblems(operationId: string, status: number, body: unknown): string[] {
  const [id, operation] = ((): [string, ContractFile['operations'][number] | undefined] => {
    const webchat = spec.operations.find((o) => o.operationId === operationId);
    return webchat ? ['webchat', webchat] : ['webmessaging', messagingSpec.operations.find((o) => o.operationId === operationId)];
  })();
  const ref = operation?.responses[String(status)]?.schemaRef;
  if (ref === undefined) return [`${operationId} documents no ${status}`];
  if (ref === null) return body === undefined ? [] : ['expected no body'];
  const validate = ajv.compile({ $ref: `${id}#/definitions/${ref}` });
  return validate(body) ? [] : (validate.errors ?? []).map((err) => `${err.instancePath} ${err.message ?? ''}`);
}

export const OPERATION_IDS = spec.operations.map((o) => o.operationId);
