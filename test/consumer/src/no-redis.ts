/**
 * A project that uses WebChat without Redis: ioredis is not installed, and this compiles (strict,
 * skipLibCheck off) and runs all the same, since only `@switchboard/webchat/redis` needs it.
 */
import { startEmulator } from '@switchboard/emulator';
import { LocalLimiter, WebChatAPI } from '@switchboard/webchat';

const emulator = await startEmulator({ port: 0 });
const limiter = new LocalLimiter({ limit: 10, intervalMs: 1_000 });
const api = new WebChatAPI({ baseUrl: emulator.apiUrl, rateLimit: { limiter }, onDeprecated: () => undefined });
try {
  const chat = await api.startGuestChat({
    organizationId: emulator.organizationId,
    deploymentId: emulator.deploymentId,
    routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
    memberInfo: { displayName: 'Plain' },
  });
  await chat.sendMessage('Hello without Redis.');
  await chat.leave();
} finally {
  await api.close();
  await limiter.close();
  await emulator.stop();
}
console.log('  ok  @switchboard/webchat without ioredis: compiled without its types, a guest chat against the emulator in-process');
