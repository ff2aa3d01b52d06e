/**
 * Durations as people write them ("10s", "15m", "4h", "1h30m", "250ms") or as plain seconds.
 * Pure: used by workflow input validation as well as by the CLI.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/** Parses a duration to milliseconds, or returns an error message (without the field name). */
export function parseDurationMs(value: unknown): number | string {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? value * 1000 : 'must be a non-negative number of seconds';
  }
  if (typeof value !== 'string' || value.trim() === '') return 'must be a duration such as "10s", "15m" or "4h"';
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const match = PART.exec(text);
    if (!match || match.index !== start) return `"${value}" is not a duration such as "10s", "15m" or "1h30m"`;
    total += Number(match[1]) * UNIT_MS[match[2]];
  }
  return total;
}

/** Short human form: 95000 -> "1m35s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let seconds = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60]] as const) {
    if (seconds >= size) {
      parts.push(`${Math.floor(seconds / size)}${unit}`);
      seconds %= size;
    }
  }
  if (seconds > 0 || parts.length === 0) parts.push(`${seconds}s`);
  return parts.join('');
}
