/**
 * When an install polls its job. Pure, so the workflow sandbox and unit tests share it.
 */

/**
 * How long to wait before the next poll so that polls keep a fixed rate from the first one: the
 * time each read and its workflow task take does not push every later poll back (ten 1 s polls
 * drifted by up to half a second). A late poll waits only for the next slot, and one that comes
 * more than an interval late has missed its slot: there is never more than one poll per slot.
 */
export function untilNextPoll(firstPollAtMs: number, nowMs: number, intervalMs: number): number {
  return intervalMs - ((nowMs - firstPollAtMs) % intervalMs);
}
