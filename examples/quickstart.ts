/**
 * The demo: a Genesys Cloud WebChat flow through WebChatAPI, then a Web Messaging guest session
 * (WebChat's successor) through WebMessagingAPI, against the local emulator, traced with the
 * OpenTelemetry SDK; at the end it prints the trace as a tree. Run it with `npm run demo`.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startEmulator } from '@switchboard/emulator';
import { type ChatEvent, errorBodyOf, type WebChatMessage, WebChatAPI } from '@switchboard/webchat';
import { type SessionEvent, WebMessagingAPI } from '@switchboard/webmessaging';
import { traceTree } from './support/trace-tree.js';

// What a service would do once at start-up: register an OpenTelemetry SDK. WebChatAPI traces on
// the global provider by itself; here the spans are kept in memory to be printed at the end
// (examples/otlp.ts sends them to a collector instead).
const spans = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));

const say = (text: string) => console.log(text);
// A low rate limit (5 requests per 2 s per token), so that the demo meets a 429 and rides it out.
const emulator = await startEmulator({
  rateLimit: { limit: 5, windowSeconds: 2 },
  agent: { joinDelayMs: 100, typingDelayMs: 50, replyDelayMs: 250 },
});
say(`1. A Genesys Cloud WebChat emulator is running at ${emulator.apiUrl}, allowing 5 requests per 2 s per token.`);

const deprecated = new Set<string>();
const api = new WebChatAPI({
  baseUrl: emulator.apiUrl,
  loginUrl: emulator.loginUrl,
  oauth: { clientId: emulator.client.clientId, clientSecret: emulator.client.clientSecret },
  retry: {
    onRetry: ({ operationId, status, waitMs, reason }) =>
      say(
        `   ${operationId} got HTTP ${status ?? '?'}; waiting ${(waitMs / 1000).toFixed(1)} s as the ${reason === 'retry-after' ? "server's Retry-After" : reason} says, then trying again`,
      ),
  },
  onDeprecated: (operationId) => deprecated.add(operationId),
});
say('2. The client will get OAuth tokens with the client credentials when it needs them.');
const messaging = new WebMessagingAPI({
  baseUrl: emulator.apiUrl,
  webMessagingUrl: emulator.webMessagingUrl,
  deploymentId: emulator.webMessagingDeploymentId,
});

/** WebChat's successor: a Web Messaging guest session over the guest WebSocket, on the same pipeline and trace. */
async function guestSession(): Promise<void> {
  say("\n11. Web Messaging, WebChat's successor: a guest session over its WebSocket.");
  const session = await messaging.startSession({ key: 'customer-42' });
  say(`    The session is configured; its record is kept under the key "customer-42" for another process to resume.`);
  const messages = session.events()[Symbol.asyncIterator]();
  /** Shows events until the agent's answer, and says whether it came live or from the history. */
  const answer = async (): Promise<void> => {
    for (;;) {
      const { value, done }: IteratorResult<SessionEvent> = await messages.next();
      if (done) throw new Error('the session ended');
      if (value.type === 'connection') say(`    connection: ${value.state} (${value.reason})`);
      if (value.type === 'message' && value.message.direction === 'Outbound' && value.message.text?.startsWith('Thanks')) {
        say(
          `    the agent says "${value.message.text}"${value.recovered ? ' (missed while the socket was down; read back from the history)' : ''}`,
        );
        return;
      }
    }
  };
  const sent = await session.sendMessage('Hi, where is order 1234?');
  say(`12. Sent a message; the server echoed it as ${sent.id}.`);
  await answer();
  const second = await session.sendMessage('It was due on Monday.');
  // A network drop, on purpose, as the agent answers: the socket goes and the next reconnects are
  // refused for a moment. The session reconnects, reads what it missed from the history, and
  // delivers it once, in order.
  emulator.messaging.refuseUpgrades(3);
  emulator.messaging.drop(session.token);
  say(`13. Sent ${second.id}; the demo drops the socket now, on purpose, and refuses the next 3 reconnects.`);
  await answer();
  say(`14. Session stats: ${JSON.stringify(session.stats)}.`);
}

// One root span around the whole flow, as a request handler in a service would have.
const root = trace.getTracer('quickstart').startSpan('quickstart demo');
try {
  await context.with(trace.setSpan(context.active(), root), async () => {
    const { data: deployment } = await api.postWebchatDeployments({ body: { name: 'Quickstart site', allowedDomains: ['example.com'] } });
    say(`3. Created deployment "${deployment.name}" (${deployment.id}) with OAuth.`);

    const chat = await api.startGuestChat({
      organizationId: emulator.organizationId,
      deploymentId: deployment.id ?? '',
      routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
      memberInfo: { displayName: 'Pat' },
    });
    say(`4. Started a guest chat: conversation ${chat.conversationId}, guest member ${chat.memberId} (no auth; the client keeps its JWT).`);

    // The chat's events, as they happen: the client attaches the event stream (which routes the
    // chat to an agent), keeps it open across drops, and reads what it missed from the messages API.
    const events = chat.events()[Symbol.asyncIterator]();
    const show = (event: ChatEvent): void => {
      if (event.type === 'connection') say(`   stream: ${event.state} (${event.reason})`);
      else if (event.type === 'member-change' && event.member.role === 'AGENT' && event.member.state === 'CONNECTED')
        say('   event: the agent joined the chat');
      else if (event.type === 'typing' && event.typing.sender.role === 'AGENT') say('   event: the agent is typing…');
      else if (event.type === 'message' && event.message.sender.role === 'AGENT') {
        say(
          `   event: the agent says "${event.message.body}"${event.recovered ? ' (missed while the stream was down; read back from the messages API)' : ''}`,
        );
      }
    };
    /** Shows events until the agent's next message, and returns it. */
    const nextReply = async (): Promise<WebChatMessage> => {
      for (;;) {
        const { value, done } = await events.next();
        if (done) throw new Error('the event stream ended');
        show(value);
        if (value.type === 'message' && value.message.sender.role === 'AGENT') return value.message;
      }
    };
    say("5. Listening to the chat's events, which attaches its event stream and routes the chat to an agent.");
    await nextReply(); // the greeting

    for (const [i, text] of ['Hi, my order has not arrived.', 'It is order 1234.', 'Thanks!'].entries()) {
      await chat.sendTyping();
      await chat.sendMessage(text);
      say(`6. Sent a message (${text.length} characters); waiting for the answer.`);
      if (i === 1) {
        // A network drop, on purpose: the emulator destroys the socket without a close frame while
        // its agent answers. The client reconnects and fills the gap: the answer is not lost.
        emulator.streams.drop(chat.conversationId);
        say('   (the demo drops the event stream now, on purpose)');
      }
      await nextReply();
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
    say(
      `The emulator saw ${emulator.stats.totalRequests} requests (${emulator.stats.tooManyRequests} answered 429, each ridden out) and stored ${emulator.stats.messagesStored(chat.conversationId)} messages.`,
    );

    await guestSession();
  });
} finally {
  root.end();
  await messaging.close(); // closes the session's socket; the session stays on the server
  await api.close(); // closes the chat's event stream too
  await emulator.stop();
}
const finished = spans.getFinishedSpans();
say(`\nThe trace of these calls (${finished.length} spans: one per call, one per attempt; waits shown where they happened):\n`);
for (const line of traceTree(finished)) say(line);
say('\nDone.');
