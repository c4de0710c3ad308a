/** Worker processes that start together: each says "ready", then all get the same start and end. */
import { fork } from 'node:child_process';

export interface WorkerReport {
  readonly ok: number;
  readonly limited: number;
  readonly queueWaits: number[];
  /** The worker's resident set size at the end of its run, in bytes. */
  readonly rssBytes: number;
}

export async function runWorkers(script: string, setup: unknown, count: number, durationMs: number, cwd: string): Promise<WorkerReport[]> {
  // execArgv: [] so that no `--conditions=@switchboard/source` of this process sends them to the TypeScript sources.
  const children = Array.from({ length: count }, () =>
    fork(script, [JSON.stringify(setup)], { cwd, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  const reports = children.map(
    (child) =>
      new Promise<WorkerReport>((resolve, reject) => {
        child.on('message', (message) => {
          if (typeof message === 'object' && message !== null) resolve(message as WorkerReport);
        });
        child.once('exit', (code) => {
          if (code !== 0) reject(new Error(`a worker exited with ${code}`));
        });
      }),
  );
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          child.on('message', (message) => message === 'ready' && resolve());
          child.once('exit', (code) => reject(new Error(`a worker exited with ${code} before it was ready`)));
        }),
    ),
  );
  const startAt = Date.now() + 200;
  for (const child of children) child.send({ startAt, endAt: startAt + durationMs });
  const done = await Promise.all(reports);
  await Promise.all(
    children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : Promise.resolve())),
  );
  return done;
}
