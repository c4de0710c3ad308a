#!/usr/bin/env node
// The tests start real redis-server processes on free loopback ports. This makes sure the
// binary is there: on a fresh Debian machine (CI) it installs it with apt-get.
import { spawnSync } from 'node:child_process';

// redis-cli (Debian's redis-tools, which redis-server depends on) builds the Cluster for the topology tests.
const has = () => ['redis-server', 'redis-cli'].every((binary) => spawnSync(binary, ['--version'], { encoding: 'utf8' }).status === 0);
if (has()) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const sudo = isRoot ? [] : ['sudo', '-n'];
const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' });
if (apt.status !== 0) {
  console.error('redis-server is missing and apt-get is not available: install Redis 7 and run the tests again.');
  process.exit(1);
}
console.log('redis-server is missing: installing it with apt-get');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['apt-get', 'update', '-qq'],
  ['apt-get', 'install', '-y', '-qq', 'redis-server'],
]) {
  const [command, ...rest] = [...sudo, ...args];
  const run = spawnSync(command, rest, { stdio: 'inherit', env });
  if (run.status !== 0) {
    console.error(`\`${args.join(' ')}\` failed: install redis-server and run the tests again.`);
    process.exit(1);
  }
}
if (!has()) {
  console.error('redis-server is still missing after apt-get install');
  process.exit(1);
}
