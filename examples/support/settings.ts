/** How the examples read their settings from the environment, and refuse bad ones: exit code 2. */
import { writeSync } from 'node:fs';

/** A problem with the configuration: said in plain words on stderr, exit 2, before anything has started. */
export function configError(...lines: string[]): never {
  writeSync(2, `${lines.join('\n')}\n`); // written before the exit, also where stderr is an asynchronous pipe
  process.exit(2);
}

/** A number from the environment variable `name`, `fallback` when unset or empty; above 0, and whole and at most `max` when asked. */
export function numberSetting(name: string, fallback: number, bounds: { readonly whole?: boolean; readonly max?: number } = {}): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  const { whole = false, max = Infinity } = bounds;
  if (!(value > 0) || value > max || !Number.isFinite(value) || (whole && !Number.isInteger(value))) {
    configError(
      `${name} must be ${whole ? 'a whole number' : 'a number'} above 0${max < Infinity ? ` and at most ${max}` : ''} (got "${text}").`,
    );
  }
  return value;
}
