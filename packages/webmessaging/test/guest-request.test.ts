/**
 * The guest's request frames: each client frame of the notes (the Kotlin transport's serialization
 * tests) is what the builder makes from the same inputs, byte for byte; the other requests have
 * the schema's shape; bad input is refused with a ValidationError that names fields, never values.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '@switchboard/core';
import * as requests from '../src/guest-request.js';
import { notes } from './guest-protocol-notes.js';

const token = 'token';
const tracingId = 'tracing_id';

/** Each client frame of the notes, by name, and the builder call that makes it. */
const CLIENT_FRAMES: Readonly<Record<string, () => string>> = {
  'configureSession (startNew=true)': () =>
    requests.configureSessionRequest({ token, deploymentId: 'deploymentId', startNew: true, tracingId }),
  configureAuthenticatedSession: () =>
    requests.configureAuthenticatedSessionRequest({ token, deploymentId: 'deploymentId', startNew: false, code: 'jwt_Token', tracingId }),
  'closeSession (closeAllConnections)': () => requests.closeSessionRequest({ token, closeAllConnections: true, tracingId }),
  'echo (health check)': () => requests.echoRequest({ token, tracingId: 'SGVhbHRoQ2hlY2tNZXNzYWdlSWQ=' }),
  'onMessage typing On event': () => requests.typingRequest({ token, tracingId }),
  'onMessage presence Join (autostart)': () => requests.presenceJoinRequest({ token, tracingId }),
  'onMessage presence Clear (clear conversation)': () => requests.clearConversationRequest({ token, tracingId }),
  deleteAttachment: () => requests.deleteAttachmentRequest({ token, attachmentId: 'test_attachment_id', tracingId }),
  getAttachment: () => requests.getAttachmentRequest({ token, attachmentId: 'test_attachment_id', tracingId }),
};

/** The ValidationError a call throws (failing the test when it throws none or another). */
function refusal(call: () => unknown): ValidationError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

const pointers = (call: () => unknown) => refusal(call).problems.map((p) => p.pointer);

describe('the client frames of the notes', () => {
  it('are all built here', () => {
    expect(notes.clientFrames.frames.map((f) => f.name).sort()).toEqual(Object.keys(CLIENT_FRAMES).sort());
  });

  it.each(notes.clientFrames.frames.map((f) => [f.name, f] as const))('%s', (name, frame) => {
    const built = CLIENT_FRAMES[name]?.() ?? '';
    expect(JSON.parse(built)).toEqual(frame.json);
    // Same value, and here the same bytes too: the fields in the Kotlin transport's order.
    expect(built).toBe(JSON.stringify(frame.json));
  });
});

describe('the other requests', () => {
  const parse = (text: string) => JSON.parse(text) as unknown;

  it('configure a session with journey data and a resume token, only the fields the schema has', () => {
    const journeyContext = {
      customer: { id: 'c', idType: 'cookie', extra: 'dropped' },
      customerSession: { id: '', type: 'web' },
      triggeringAction: { id: 'a', actionMap: { id: 'm', version: 2 } },
    };
    expect(parse(requests.configureSessionRequest({ token, deploymentId: 'd', tracingId, journeyContext, resumeToken: 'r' }))).toEqual({
      token,
      deploymentId: 'd',
      startNew: false,
      journeyContext: {
        customer: { id: 'c', idType: 'cookie' },
        customerSession: { id: '', type: 'web' },
        triggeringAction: journeyContext.triggeringAction,
      },
      resumeToken: 'r',
      tracingId,
      action: 'configureSession',
    });
  });

  it('send text, with custom attributes in the message’s channel metadata', () => {
    expect(parse(requests.textMessageRequest({ token, tracingId, text: 'Hello' }))).toEqual({
      token,
      tracingId,
      action: 'onMessage',
      message: { text: 'Hello', type: 'Text' },
    });
    const customAttributes = JSON.parse('{"A":"B","__proto__":"kept as data"}') as Record<string, string>;
    expect(parse(requests.textMessageRequest({ token, tracingId, text: 'Hello', customAttributes, maxCustomDataBytes: 100 }))).toEqual({
      token,
      tracingId,
      action: 'onMessage',
      message: { text: 'Hello', channel: { metadata: { customAttributes } }, type: 'Text' },
    });
    expect(
      Object.keys(
        (
          parse(requests.presenceJoinRequest({ token, tracingId, customAttributes })) as {
            message: { channel: { metadata: { customAttributes: object } } };
          }
        ).message.channel.metadata.customAttributes,
      ),
    ).toEqual(['A', '__proto__']);
  });

  it('send no length limit of their own on text: the notes do not establish one (4011 is the server’s)', () => {
    expect(() => requests.textMessageRequest({ token, tracingId, text: 'x'.repeat(100_000) })).not.toThrow();
  });

  it('answer quick replies and buttons with a Structured ButtonResponse', () => {
    expect(parse(requests.buttonResponseRequest({ token, tracingId, text: 'Yes', payload: 'yes' }))).toEqual({
      token,
      tracingId,
      action: 'onMessage',
      message: {
        text: 'Yes',
        content: [{ contentType: 'ButtonResponse', buttonResponse: { text: 'Yes', payload: 'yes', type: 'QuickReply' } }],
        type: 'Structured',
      },
    });
    const button = parse(
      requests.buttonResponseRequest({ token, tracingId, text: 'Go', payload: '', type: 'Button', originatingMessageId: 'm' }),
    );
    expect(button).toMatchObject({
      message: { content: [{ buttonResponse: { text: 'Go', payload: '', type: 'Button', originatingMessageId: 'm' } }] },
    });
  });

  it('accept or reject a co-browse offer with the schema’s CoBrowse event', () => {
    expect(
      parse(requests.coBrowseAnswerRequest({ token, tracingId, type: 'OfferingAccepted', sessionId: 's', sessionJoinToken: 'j' })),
    ).toEqual({
      token,
      tracingId,
      action: 'onMessage',
      message: {
        events: [{ eventType: 'CoBrowse', coBrowse: { type: 'OfferingAccepted', sessionId: 's', sessionJoinToken: 'j' } }],
        type: 'Event',
      },
    });
    expect(parse(requests.coBrowseAnswerRequest({ token, tracingId, type: 'OfferingRejected' }))).toMatchObject({
      message: { events: [{ coBrowse: { type: 'OfferingRejected' } }] },
    });
  });

  it('ask for an upload URL with the fields given, and the rest of the actions with the token alone', () => {
    expect(
      parse(requests.onAttachmentRequest({ token, tracingId, fileName: 'a.png', fileType: 'image/png', fileSize: 10, fileMd5: 'md5' })),
    ).toEqual({
      token,
      fileName: 'a.png',
      fileType: 'image/png',
      fileSize: 10,
      fileMd5: 'md5',
      tracingId,
      action: 'onAttachment',
    });
    expect(
      parse(requests.onAttachmentRequest({ token, tracingId, fileName: 'a', fileType: 't', attachmentId: 'id', errorsAsJson: true })),
    ).toEqual({
      token,
      attachmentId: 'id',
      fileName: 'a',
      fileType: 't',
      errorsAsJson: true,
      tracingId,
      action: 'onAttachment',
    });
    for (const [build, action] of [
      [requests.getJwtRequest, 'getJwt'],
      [requests.resumeTokenRequest, 'resumeToken'],
      [requests.disconnectCustomerRequest, 'disconnectCustomer'],
    ] as const)
      expect(parse(build({ token, tracingId }))).toEqual({ token, tracingId, action });
    expect(parse(requests.getConfigurationRequest({ token, tracingId, deploymentId: 'd' }))).toEqual({
      token,
      deploymentId: 'd',
      tracingId,
      action: 'getConfiguration',
    });
    expect(parse(requests.echoRequest({ token, tracingId, text: '' }))).toMatchObject({ message: { text: '' } });
  });
});

describe('bad input', () => {
  const secret = 'a-guest-token-that-is-a-credential';

  it('refuses a token that is missing, empty, not a string or over 2,048 characters, and never repeats it', () => {
    for (const bad of [undefined, '', 42, `${secret}${'x'.repeat(2_049 - secret.length)}`]) {
      const error = refusal(() => requests.getJwtRequest({ token: bad as string, tracingId }));
      expect(error.problems.map((p) => p.pointer)).toEqual(['/token']);
      expect(error.message).toMatch(/^getJwt: invalid input: \/token /);
      expect(JSON.stringify(error.toJSON())).not.toContain(secret);
    }
    expect(() => requests.getJwtRequest({ token: 'x'.repeat(requests.MAX_GUEST_TOKEN_CHARACTERS), tracingId })).not.toThrow();
    // Characters are counted as code points: 2,048 of them outside the BMP (4,096 UTF-16 units) are a token of 2,048 characters.
    expect(() => requests.getJwtRequest({ token: '😀'.repeat(2_048), tracingId })).not.toThrow();
  });

  it('lists every problem at once, before building anything', () => {
    expect(
      pointers(() => requests.configureSessionRequest({ token: '', deploymentId: '', tracingId: '', startNew: 'yes' as never })),
    ).toEqual(['/token', '/tracingId', '/deploymentId', '/startNew']);
    expect(pointers(() => requests.textMessageRequest({ token, tracingId, text: '' }))).toEqual(['/text']);
    expect(pointers(() => requests.configureAuthenticatedSessionRequest({ token, tracingId, deploymentId: 'd' } as never))).toEqual([
      '/code',
    ]);
  });

  it('refuses what is no object at all', () => {
    for (const input of [null, undefined, 'token', []]) expect(pointers(() => requests.echoRequest(input as never))).toEqual(['']);
  });

  it('refuses custom attributes that are no flat map of strings, or over the session’s limit, naming neither attribute nor value', () => {
    const bads: unknown[] = [{ nested: { a: 'b' } }, { n: 1 }, ['a'], 'a=b', null, new Map([['a', 'b']]), new (class Attributes {})()];
    for (const customAttributes of bads)
      expect(
        pointers(() => requests.textMessageRequest({ token, tracingId, text: 't', customAttributes: customAttributes as never })),
      ).toEqual(['/customAttributes']);
    const big = { secretName: 'é'.repeat(50) }; // 10 + 100 bytes
    const over = refusal(() =>
      requests.textMessageRequest({ token, tracingId, text: 't', customAttributes: big, maxCustomDataBytes: 109 }),
    );
    expect(over.problems).toEqual([
      { pointer: '/customAttributes', message: "must be at most 109 bytes (UTF-8 names and values), the session's maxCustomDataBytes" },
    ]);
    expect(over.message).not.toMatch(/secretName|é/);
    expect(() =>
      requests.textMessageRequest({ token, tracingId, text: 't', customAttributes: big, maxCustomDataBytes: 110 }),
    ).not.toThrow();
    expect(pointers(() => requests.presenceJoinRequest({ token, tracingId, maxCustomDataBytes: -1 }))).toEqual(['/maxCustomDataBytes']);
  });

  it('refuses the wrong kinds in the other requests', () => {
    expect(pointers(() => requests.onAttachmentRequest({ token, tracingId, fileName: '', fileType: 't', fileSize: -1 }))).toEqual([
      '/fileName',
      '/fileSize',
    ]);
    expect(pointers(() => requests.onAttachmentRequest({ token, tracingId, fileName: 'f', fileType: 't', fileSize: 2 ** 31 }))).toEqual([
      '/fileSize',
    ]);
    expect(pointers(() => requests.onAttachmentRequest({ token, tracingId, fileName: 'f', fileType: 't', fileSize: 1.5 }))).toEqual([
      '/fileSize',
    ]);
    expect(pointers(() => requests.getAttachmentRequest({ token, tracingId, attachmentId: '' }))).toEqual(['/attachmentId']);
    expect(pointers(() => requests.coBrowseAnswerRequest({ token, tracingId, type: 'Offering' as never }))).toEqual(['/type']);
    expect(
      pointers(() => requests.buttonResponseRequest({ token, tracingId, text: 'a', payload: 1 as never, type: 'Form' as never })),
    ).toEqual(['/payload', '/type']);
    expect(pointers(() => requests.closeSessionRequest({ token, tracingId, closeAllConnections: 'true' as never }))).toEqual([
      '/closeAllConnections',
    ]);
    const journeyContext = {
      customer: { id: 1 },
      customerSession: 'web',
      triggeringAction: { id: 'a', actionMap: { id: 'm', version: 1.5 } },
    };
    expect(
      pointers(() => requests.configureSessionRequest({ token, tracingId, deploymentId: 'd', journeyContext: journeyContext as never })),
    ).toEqual([
      '/journeyContext/customerSession',
      '/journeyContext/customer/id',
      '/journeyContext/customer/idType',
      '/journeyContext/triggeringAction/actionMap/version',
    ]);
  });
});
