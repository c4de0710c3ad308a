/**
 * Reading the guest WebSocket's server frames: every real frame of the notes (Genesys' Kotlin
 * fixtures and the frames captured from live deployments) is read as what it is, and what is no
 * frame of the protocol is ignored with a reason of our own words.
 */
import { describe, expect, it } from 'vitest';
import { GUEST_ERROR_CODES } from '../src/guest-error-codes.js';
import { type GuestFrame, parseGuestFrame } from '../src/guest-frame.js';
import { notes, serverFrames, textOf } from './guest-protocol-notes.js';

/** What each real frame is, by its name in the notes. */
const EXPECTED: Readonly<Record<string, readonly [kind: GuestFrame['kind'], cls: string]>> = {
  'SessionResponse (new session)': ['session', 'SessionResponse'],
  'SessionResponse (new session, with allowedMedia and blockedExtensions)': ['session', 'SessionResponse'],
  'SessionResponse (resumed session: same token, newSession=false)': ['session', 'SessionResponse'],
  'SessionResponse (read-only conversation)': ['session', 'SessionResponse'],
  'SessionResponse (answer to closeSession when starting a new chat: connected=false, readOnly=true)': ['session', 'SessionResponse'],
  "StructuredMessage (echo of the guest's inbound text)": ['guest-echo', 'StructuredMessage'],
  'StructuredMessage (outbound text)': ['agent-message', 'StructuredMessage'],
  'StructuredMessage (outbound agent text with attachment, originatingEntity Human)': ['agent-message', 'StructuredMessage'],
  'StructuredMessage (typing events)': ['agent-event', 'StructuredMessage'],
  'StructuredMessage (inbound presence Join event: echo of the autostart the client sent)': ['guest-echo', 'StructuredMessage'],
  'StructuredMessage (presence Disconnect event, conversation now read-only)': ['agent-event', 'StructuredMessage'],
  'TooManyRequestsErrorMessage (429 / errorCode 4029)': ['too-many-requests', 'TooManyRequestsErrorMessage'],
  'Error 4006 (session expired)': ['error', 'string'],
  'Error 4007 (session not found)': ['error', 'string'],
  'Error 4011 (message too long)': ['error', 'string'],
  'Error 4013 (custom attributes too large)': ['error', 'string'],
  SessionExpiredEvent: ['session-expired', 'SessionExpiredEvent'],
  'ConnectionClosedEvent (no reason)': ['connection-closed', 'ConnectionClosedEvent'],
  SessionClearedEvent: ['session-cleared', 'SessionClearedEvent'],
  LogoutEvent: ['logout', 'LogoutEvent'],
  'StructuredMessage (echo / health-check answer)': ['echo-response', 'StructuredMessage'],
  'PresignedUrlResponse (upload URL, constant variant)': ['presigned-url', 'PresignedUrlResponse'],
  UploadSuccessEvent: ['upload-success', 'UploadSuccessEvent'],
  UploadFailureEvent: ['upload-failure', 'UploadFailureEvent'],
  AttachmentDeletedResponse: ['attachment-deleted', 'AttachmentDeletedResponse'],
  JwtResponse: ['jwt', 'JwtResponse'],
  'Error 5000 (unexpected)': ['error', 'string'],
  'ConnectionClosedEvent (reason signedIn)': ['connection-closed', 'ConnectionClosedEvent'],
  'PresignedUrlResponse (upload URL, function variant with file fields)': ['presigned-url', 'PresignedUrlResponse'],
  '409 after Disconnect (session read-only)': ['error', 'string'],
  'Outbound presence Disconnect with readOnly metadata': ['agent-event', 'StructuredMessage'],
};

const parse = (value: unknown) => parseGuestFrame(JSON.stringify(value));

describe('the real server frames of the notes', () => {
  it('are all expected here', () => {
    expect(serverFrames.map((f) => f.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(serverFrames.map((frame) => [frame.name, frame] as const))('%s', (name, frame) => {
    const [kind, cls] = EXPECTED[name] ?? ['ignored', ''];
    for (const text of [textOf(frame), ...(frame.json !== undefined ? [JSON.stringify(frame.json)] : [])]) {
      const parsed = parseGuestFrame(text);
      const envelope = JSON.parse(text) as { type: string; code: number; body: unknown; tracingId?: string };
      expect(parsed).toEqual({
        kind,
        class: cls,
        type: envelope.type,
        code: envelope.code,
        body: envelope.body,
        ...(envelope.tracingId !== undefined ? { tracingId: envelope.tracingId } : {}),
        ...(kind === 'too-many-requests' ? { retryAfter: 3 } : {}),
        ...(kind === 'error' ? { errorName: GUEST_ERROR_CODES[envelope.code as keyof typeof GUEST_ERROR_CODES].name } : {}),
      });
    }
  });

  it('give what a session acts on: read-only, retryAfter, error names, the guest’s tracingId, the reason a connection closed', () => {
    const byName = (name: string) => parseGuestFrame(textOf(serverFrames.find((f) => f.name === name) ?? { name }));
    const disconnect = byName('Outbound presence Disconnect with readOnly metadata');
    expect(disconnect.kind === 'agent-event' && disconnect.body.metadata?.readOnly).toBe('true');
    expect(disconnect.kind === 'agent-event' && disconnect.body.events[0]?.presence?.type).toBe('Disconnect');
    expect(disconnect.kind === 'agent-event' && disconnect.body.originatingEntity).toBe('Bot');
    const limited = byName('TooManyRequestsErrorMessage (429 / errorCode 4029)');
    expect(limited.kind === 'too-many-requests' && [limited.retryAfter, limited.body.errorCode]).toEqual([3, 4029]);
    expect(byName('409 after Disconnect (session read-only)')).toMatchObject({ kind: 'error', code: 409, errorName: 'ReadOnly' });
    expect(byName('Error 4011 (message too long)')).toMatchObject({ code: 4011, errorName: 'MessageTooLong' });
    expect(byName("StructuredMessage (echo of the guest's inbound text)")).toMatchObject({ tracingId: 'some_custom_message_id' });
    expect(byName('ConnectionClosedEvent (reason signedIn)')).toMatchObject({ body: { reason: 'signedIn' } });
    const typing = byName('StructuredMessage (typing events)');
    expect(typing.kind === 'agent-event' && typing.body.events.map((e) => e.typing?.type)).toEqual(['Off', 'On']);
  });

  it('know every server code of the notes, by the Kotlin transport’s name', () => {
    for (const [code, name] of Object.entries(notes.errorCodes.serverCodes))
      expect(GUEST_ERROR_CODES[Number(code) as keyof typeof GUEST_ERROR_CODES]?.name, code).toBe(name.split(' ')[0]);
  });
});

describe('frames read by the schema where no real frame shows them', () => {
  const head = { type: 'response', code: 200 };

  it('reads the rest of the schema’s classes', () => {
    expect(parse({ ...head, class: 'ResumeTokenResponse', body: { resumeToken: 'r', exp: 1 } }).kind).toBe('resume-token');
    const configuration = {
      allowedMedia: { inbound: { fileTypes: [{ type: 'image/png' }], maxFileSizeKB: 10 } },
      maxCustomDataBytes: 2048,
    };
    expect(parse({ ...head, class: 'GetConfigurationResponse', body: { ...configuration, messageRoutingEnabled: true } }).kind).toBe(
      'configuration',
    );
    const urlError = { errorCode: 4001, errorMessage: 'no', name: 'GenerateUrlError', message: 'no' };
    expect(parse({ ...head, class: 'GenerateUrlError', code: 400, body: urlError }).kind).toBe('generate-url-error');
    expect(parse({ ...head, class: 'Error', body: { errorCode: 5000, errorMessage: 'x' } }).kind).toBe('error-message');
    expect(parse({ ...head, class: 'ConnectionClosedEvent', body: { reasonCode: 'x' } }).kind).toBe('connection-closed');
  });

  it('takes the tracingId of the body when the envelope has none, and a code without a name as it is', () => {
    expect(parse({ ...head, class: 'JwtResponse', body: { jwt: 'j', exp: 1, tracingId: 't' } })).toMatchObject({ tracingId: 't' });
    const unnamed = parse({ ...head, class: 'string', code: 4999, body: 'x' });
    expect(unnamed).toEqual({ kind: 'error', class: 'string', type: 'response', code: 4999, body: 'x' });
  });
});

describe('what is no frame of the protocol', () => {
  const message = { type: 'message', class: 'StructuredMessage', code: 200 };
  const text = { type: 'Text', text: 'hi', direction: 'Outbound', id: 'm' };
  it.each([
    ['not json', '{"type":'],
    ['not json', ''],
    ['not an object', 'null'],
    ['not an object', '[]'],
    ['not an object', '"text"'],
    ['not an object', '42'],
    ['no class', JSON.stringify({ type: 'message', code: 200, body: {} })],
    ['unknown class', JSON.stringify({ type: 'message', class: 'Unknown', code: 200, body: {} })],
    ['unknown class', JSON.stringify({ type: 'message', class: '__proto__', code: 200, body: {} })],
    ['unknown class', JSON.stringify({ type: 'message', class: 'constructor', code: 200, body: {} })],
    ['unknown class', JSON.stringify({ type: 'message', class: 7, code: 200, body: {} })],
    ['invalid envelope type', JSON.stringify({ type: 'event', class: 'LogoutEvent', code: 200, body: {} })],
    ['invalid code', JSON.stringify({ type: 'message', class: 'LogoutEvent', code: '200', body: {} })],
    ['invalid code', '{"type":"message","class":"LogoutEvent","code":1e999,"body":{}}'],
    ['invalid tracing id', JSON.stringify({ type: 'message', class: 'LogoutEvent', code: 200, body: {}, tracingId: 1 })],
    ['invalid tracing id', JSON.stringify({ type: 'message', class: 'LogoutEvent', code: 200, body: { tracingId: {} } })],
    ['body not an object', JSON.stringify({ type: 'message', class: 'LogoutEvent', code: 200, body: null })],
    ['body not an object', JSON.stringify({ type: 'message', class: 'LogoutEvent', code: 200 })],
    ['body not a string', JSON.stringify({ type: 'response', class: 'string', code: 4006, body: {} })],
    ['invalid session response', JSON.stringify({ type: 'response', class: 'SessionResponse', code: 200, body: { newSession: true } })],
    ['invalid session response', JSON.stringify({ type: 'response', class: 'SessionResponse', code: 200, body: { connected: 'yes' } })],
    ['invalid structured message', JSON.stringify({ ...message, body: { ...text, type: 'Nonsense' } })],
    ['invalid structured message', JSON.stringify({ ...message, body: { ...text, metadata: { readOnly: true } } })],
    ['invalid structured message', JSON.stringify({ ...message, body: { ...text, type: 'Event' } })],
    ['invalid structured message', JSON.stringify({ ...message, body: { ...text, events: [{ typing: {} }] } })],
    ['unknown direction', JSON.stringify({ ...message, body: { ...text, direction: undefined } })],
    ['invalid presigned url', JSON.stringify({ type: 'response', class: 'PresignedUrlResponse', code: 200, body: { attachmentId: 'a' } })],
    ['invalid jwt response', JSON.stringify({ type: 'response', class: 'JwtResponse', code: 200, body: { jwt: 'j' } })],
    [
      'invalid rate limit',
      JSON.stringify({
        type: 'response',
        class: 'TooManyRequestsErrorMessage',
        code: 429,
        body: { retryAfter: -1, errorCode: 4029, errorMessage: 'x' },
      }),
    ],
    ['invalid connection closed', JSON.stringify({ type: 'message', class: 'ConnectionClosedEvent', code: 200, body: { reason: 1 } })],
  ])('%s: %s', (reason, frame) => {
    expect(parseGuestFrame(frame)).toEqual({ kind: 'ignored', reason });
  });

  it('is ignored, not thrown on, when what it is given is no string at all', () => {
    for (const value of [undefined, null, 42, {}, Symbol('x')])
      expect(parseGuestFrame(value as never)).toEqual({ kind: 'ignored', reason: 'not text' });
  });
});
