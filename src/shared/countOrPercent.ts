/** Limits written as a count or a share of the fleet ("20%"). Pure: workflows resolve them too. */

/** "20%" of 37 hosts -> 8 (at least `min`); a number stays as it is. */
export function resolveCountOrPercent(value: number | string, total: number, round: 'up' | 'down', min: number): number {
  if (typeof value === 'number') return value;
  const share = (Number(value.replace('%', '')) / 100) * total;
  return Math.max(min, round === 'up' ? Math.ceil(share) : Math.floor(share));
}

/** The limits for a fleet of `total` hosts; concurrency is capped at 1,000 children at once. */
export function resolveLimits(limits: { readonly maxConcurrency: number | string; readonly maxFailures: number | string }, total: number): { maxConcurrency: number; maxFailures: number } {
  return {
    maxConcurrency: Math.min(resolveCountOrPercent(limits.maxConcurrency, total, 'up', 1), 1_000),
    maxFailures: resolveCountOrPercent(limits.maxFailures, total, 'down', 0),
  };
}
