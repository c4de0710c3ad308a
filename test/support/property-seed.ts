/** The seed of a property test: from SWITCHBOARD_PROPERTY_SEED, or fresh; printed so that a failure can be replayed. */
export function propertySeed(file: string): number {
  const given = process.env.SWITCHBOARD_PROPERTY_SEED;
  let seed = Math.floor(Math.random() * 2 ** 31);
  if (given !== undefined && given !== '') {
    seed = Number(given);
    if (!Number.isSafeInteger(seed)) throw new Error(`SWITCHBOARD_PROPERTY_SEED must be an integer, got ${JSON.stringify(given)}`);
  }
  console.log(`${file}: fast-check seed ${seed} (replay with SWITCHBOARD_PROPERTY_SEED=${seed})`);
  return seed;
}
