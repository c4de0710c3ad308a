// A worker process for the session hand-over test: plain Node on the packages' built output. It
// starts the guest session of a key from a RedisStore, and then, by its mode:
// - 'converse': reports every message it hands over (IPC), and sends what the test asks it to;
// - 'resume': closes at once after starting, and reports every message its start delivered.
import { RedisStore } from '@switchboard/middleware/redis';
import { WebMessagingAPI } from '@switchboard/webmessaging';

const setup = JSON.parse(process.argv[2] ?? '{}');
const store = new RedisStore({ redis: { host: '127.0.0.1', port: setup.redisPort } });
const client = new WebMessagingAPI({
  baseUrl: setup.apiUrl,
  webMessagingUrl: setup.webMessagingUrl,
  deploymentId: setup.deploymentId,
  sessionStore: store,
  session: { reconnect: { baseMs: 20, capMs: 200 } },
});
const session = await client.startSession({ key: setup.key });
const report = (message) => process.send({ id: message.id, direction: message.direction, type: message.type, text: message.text });
if (setup.mode === 'resume') {
  await client.close();
  for await (const event of session.events()) if (event.type === 'message') report(event.message);
  await store.close();
  process.disconnect();
} else {
  process.on('message', (command) => void session.sendMessage(command.send));
  process.send('ready');
  for await (const event of session.events()) if (event.type === 'message') report(event.message);
}
