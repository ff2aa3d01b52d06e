/**
 * Worker logs: one JSON object per line for log shippers (the default off a terminal), or the
 * SDK's readable format on a terminal. Workflow and activity context (workflowId, runId,
 * activityType, attempt ...) arrives as metadata from the SDK and is kept; anything under a
 * secret-looking key is masked as a last line of defence, since no vibflow code logs a secret.
 */
import { DefaultLogger, type LogEntry, type LogLevel, type Logger } from '@temporalio/worker';

export type LogFormat = 'json' | 'text';

export const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

const SECRET_KEY = /pass(word)?|secret|token|authorization|api[-_]?key/i;

function masked(meta: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(meta).map(([key, value]) => [key, SECRET_KEY.test(key) ? '[redacted]' : value]));
}

function jsonLogLine(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  return JSON.stringify({ time, level: entry.level.toLowerCase(), msg: entry.message, ...masked(entry.meta ?? {}) },
    (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}

export function createLogger(format: LogFormat, level: LogLevel): Logger {
  if (format === 'text') return new DefaultLogger(level);
  return new DefaultLogger(level, (entry) => process.stdout.write(`${jsonLogLine(entry)}\n`));
}
