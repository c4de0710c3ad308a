/** parseFrame: what the API sends is read as its event, a heartbeat as nothing, and anything else is ignored with a reason, never thrown. */
import { describe, expect, it } from 'vitest';
import { parseFrame } from '../src/chat-frame.js';
import { CONVERSATION_ID, frames, HOSTILE_FRAMES, message } from './stream-harness.js';

describe('parseFrame', () => {
  it.each(HOSTILE_FRAMES)('ignores %j: %s', (text, reason) => {
    expect(parseFrame(text)).toEqual({ kind: 'ignored', reason });
  });

  it('reads the events the API sends, passing each on as it came', () => {
    const m = message('m1', 1);
    expect(parseFrame(frames.message(m))).toEqual({ kind: 'message', message: m });
    expect(parseFrame(frames.typing('agent-1'))).toMatchObject({ kind: 'typing', typing: { sender: { id: 'agent-1' } } });
    expect(parseFrame(frames.member('agent-1', 'CONNECTED'))).toEqual({
      kind: 'member-change',
      member: { id: 'agent-1', state: 'CONNECTED', role: 'AGENT' },
    });
  });

  it('reads heartbeats and media requests as frames with nothing to deliver', () => {
    expect(parseFrame(frames.heartbeat())).toEqual({ kind: 'quiet' });
    const media = {
      topicName: `v2.conversations.chats.${CONVERSATION_ID}.mediarequests`,
      eventBody: { id: 'r' },
      metadata: { type: 'media-request' },
    };
    expect(parseFrame(JSON.stringify(media))).toEqual({ kind: 'quiet' });
  });

  it('needs of a message only its id, body and sender (Genesys sends the sender as { id }); a timestamp that is missing or does not parse is kept', () => {
    const minimal = { id: 'm1', body: '', sender: {} };
    const frame = (eventBody: unknown) =>
      JSON.stringify({ topicName: `v2.conversations.chats.${CONVERSATION_ID}.messages`, eventBody, metadata: { type: 'message' } });
    expect(parseFrame(frame(minimal))).toEqual({ kind: 'message', message: minimal });
    expect(parseFrame(frame({ ...minimal, timestamp: 'yesterday' }))).toMatchObject({ kind: 'message' });
  });
});
