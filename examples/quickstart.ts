/**
 * The demo: a Genesys Cloud WebChat flow through WebChatAPI, against the local emulator.
 * Run it with `npm run demo`.
 */
import { startEmulator } from '@switchboard/emulator';
import { errorBodyOf, WebChatAPI } from '@switchboard/webchat';
import WebSocket from 'ws';

interface Frame {
  topicName: string;
  eventBody: { body?: string; sender?: { role?: string }; member?: { role?: string; state?: string } };
  metadata: { type?: string };
}

const say = (text: string) => console.log(text);
const emulator = await startEmulator({ agent: { joinDelayMs: 100, typingDelayMs: 50, replyDelayMs: 250 } });
say(`1. A Genesys Cloud WebChat emulator is running at ${emulator.apiUrl}.`);

// Until the OAuth middleware lands, get a client-credentials token by hand and give it to the client.
const login = await fetch(`${emulator.loginUrl}/oauth/token`, {
  method: 'POST',
  headers: {
    authorization: `Basic ${Buffer.from(`${emulator.client.clientId}:${emulator.client.clientSecret}`).toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
  },
  body: 'grant_type=client_credentials',
});
const { access_token: accessToken } = (await login.json()) as { access_token: string };
say('2. Got an OAuth token for the admin operations (client credentials).');

const deprecated = new Set<string>();
const api = new WebChatAPI({ baseUrl: emulator.apiUrl, oauth: accessToken, onDeprecated: (operationId) => deprecated.add(operationId) });
let socket: WebSocket | undefined;
try {
  const { data: deployment } = await api.postWebchatDeployments({ body: { name: 'Quickstart site', allowedDomains: ['example.com'] } });
  say(`3. Created deployment "${deployment.name}" (${deployment.id}) with OAuth.`);

  const chat = await api.startGuestChat({
    organizationId: emulator.organizationId,
    deploymentId: deployment.id ?? '',
    routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
    memberInfo: { displayName: 'Pat' },
  });
  say(`4. Started a guest chat: conversation ${chat.conversationId}, guest member ${chat.memberId} (no auth; the client keeps its JWT).`);

  socket = new WebSocket(chat.eventStreamUri);
  let onReply: (() => void) | undefined;
  const nextReply = () => new Promise<void>((resolve) => (onReply = resolve));
  const agentJoined = new Promise<void>((resolve) => {
    socket?.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as Frame;
      if (frame.metadata.type === 'member-change' && frame.eventBody.member?.role === 'AGENT' && frame.eventBody.member.state === 'CONNECTED') {
        say('   event: the agent joined the chat');
        resolve();
      } else if (frame.metadata.type === 'typing-indicator' && frame.eventBody.sender?.role === 'AGENT') {
        say('   event: the agent is typing…');
      } else if (frame.metadata.type === 'message' && frame.eventBody.sender?.role === 'AGENT') {
        say(`   event: the agent says "${frame.eventBody.body}"`);
        onReply?.();
      }
    });
  });
  await new Promise((resolve) => socket?.once('open', resolve));
  say('5. Attached the event stream, which routes the chat to an agent.');
  const greeted = nextReply();
  await agentJoined;
  await greeted;

  for (const text of ['Hi, my order has not arrived.', 'It is order 1234.', 'Thanks!']) {
    const replied = nextReply();
    await chat.sendTyping();
    await chat.sendMessage(text);
    say(`6. Sent a message (${text.length} characters); waiting for the answer.`);
    await replied;
  }

  say('7. Paging through the conversation, two messages per request:');
  let count = 0;
  for await (const message of chat.messages({ maxResults: 2 })) {
    count++;
    say(`   ${String(count).padStart(2)}. [${message.sender.role === 'AGENT' ? 'agent' : 'guest'}] ${message.body}`);
  }

  try {
    await chat.sendMessage('x'.repeat(4_001));
  } catch (error) {
    say(`8. A 4,001-character message was refused before sending: ${(error as Error).message}`);
  }
  try {
    await api.getWebchatDeployment({ deploymentId: 'no-such-deployment' });
  } catch (error) {
    say(`9. Asking for an unknown deployment: ${errorBodyOf(error)?.code ?? 'error'} (HTTP ${errorBodyOf(error)?.status ?? '?'}).`);
  }

  await chat.leave();
  say('10. Left the chat.');
  say(`\nAll ${deprecated.size} operations used are deprecated by Genesys (ACD Web Chat v2); the client said so once for each.`);
  say(`The emulator saw ${emulator.stats.totalRequests} requests and stored ${emulator.stats.messagesStored(chat.conversationId)} messages. Done.`);
} finally {
  socket?.close();
  await api.close();
  await emulator.stop();
}
