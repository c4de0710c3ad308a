#!/usr/bin/env node
// The proxy tests start real tinyproxy processes on free loopback ports (test/support/proxy.ts) and
// make certificates with the openssl CLI (test/support/tls.ts). This makes sure both binaries are
// there: on a fresh Debian machine (CI) it installs them with apt-get.
import { spawnSync } from 'node:child_process';

const works = (binary, flag) => spawnSync(binary, [flag], { encoding: 'utf8' }).status === 0;
const missing = () => [works('tinyproxy', '-v') ? [] : ['tinyproxy'], works('openssl', 'version') ? [] : ['openssl']].flat();
if (missing().length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const sudo = isRoot ? [] : ['sudo', '-n'];
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
if (spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status !== 0) {
  console.error(`${missing().join(' and ')} not found and apt-get is not available: install it and run the tests again.`);
  process.exit(1);
}

// Debian ships the executable alone as tinyproxy-bin (bookworm and later): it brings no system
// service, no user and no logrotate job. Older releases only have tinyproxy, whose service may
// start on port 8888; harmless, as the tests always start their own proxies on free ports.
function packages() {
  const binOnly = spawnSync('apt-cache', ['show', 'tinyproxy-bin'], { encoding: 'utf8' }).status === 0;
  return missing().map((binary) => (binary === 'tinyproxy' && binOnly ? 'tinyproxy-bin' : binary));
}

function apt(args, stdio) {
  const [command, ...rest] = [...sudo, 'apt-get', ...args];
  return spawnSync(command, rest, { stdio, env, encoding: 'utf8' }).status === 0;
}

console.log(`${missing().join(' and ')} not found: installing with apt-get`);
// ensure-redis.mjs has usually just run `apt-get update`: try without one first, and update only
// when the package lists are missing or stale (the first attempt's errors are then not shown).
if (!apt(['install', '-y', '-qq', ...packages()], 'pipe')) {
  if (!apt(['update', '-qq'], 'inherit')) {
    console.error('`apt-get update` failed: install tinyproxy and openssl and run the tests again.');
    process.exit(1);
  }
  const wanted = packages();
  if (!apt(['install', '-y', '-qq', ...wanted], 'inherit')) {
    console.error(`\`apt-get install ${wanted.join(' ')}\` failed: install them and run the tests again.`);
    process.exit(1);
  }
}
if (missing().length > 0) {
  console.error(`${missing().join(' and ')} still not found after apt-get install`);
  process.exit(1);
}
