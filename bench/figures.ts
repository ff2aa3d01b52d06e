/** How benchmarks print their figures, and the statistics they use. */
export function printFigures(title: string, rows: readonly (readonly [string, string | number])[]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`\n== ${title}\n${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
}

export const median = (values: readonly number[]) => percentile(values, 50);

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
