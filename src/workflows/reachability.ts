/**
 * Before anything is started on a host, a host that does not answer (refused, no route, DNS, TLS
 * handshake) is retried for a bounded time and visibly, instead of holding its slot for hours: a
 * mistyped port must not look like a slow install. Workflow code: durable timers between attempts.
 */
import { ActivityFailure, ApplicationFailure, sleep } from '@temporalio/workflow';
import { formatDuration } from '../shared/duration';

/** What the operator sees while a host is retried. */
export interface UnreachableState {
  readonly attempts: number;
  readonly lastError: string;
}

/** Failure categories (esxi/errors.ts) that mean "the request never got an answer from the host". */
const UNREACHABLE_CATEGORIES = new Set(['network', 'tls']);

export class HostUnreachable extends Error {
  constructor(
    message: string,
    /** "unreachable" for network and handshake failures, else the last failure's own category. */
    readonly category: string,
  ) {
    super(message);
  }
}

function applicationFailureOf(err: unknown): ApplicationFailure | undefined {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return failure instanceof ApplicationFailure ? failure : undefined;
}

/**
 * Runs `call` (an activity that makes no change on the host, with a single attempt) until it
 * succeeds, a final failure comes back (thrown as is), or `timeoutMs` has passed since `sinceMs`.
 */
export async function untilReachable<T>(
  host: string,
  call: () => Promise<T>,
  options: { readonly sinceMs: number; readonly timeoutMs: number; readonly onAttempt: (state: UnreachableState) => void },
): Promise<T> {
  for (let attempts = 1; ; attempts++) {
    try {
      return await call();
    } catch (err) {
      const failure = applicationFailureOf(err);
      if (!failure || failure.nonRetryable) throw err;
      const lastError = failure.message;
      options.onAttempt({ attempts, lastError });
      const left = options.sinceMs + options.timeoutMs - Date.now();
      if (left <= 0) {
        const category = UNREACHABLE_CATEGORIES.has(failure.type ?? '') ? 'unreachable' : (failure.type ?? 'unreachable');
        throw new HostUnreachable(`${host} did not answer for ${formatDuration(options.timeoutMs)} (${attempts} attempts); last error: ${lastError}`, category);
      }
      await sleep(Math.min(2_000 * 2 ** (attempts - 1), 30_000, left), { summary: `wait before attempt ${attempts + 1} to reach ${host}` });
    }
  }
}
