import { untilNextPoll } from '../../../src/workflows/pollSchedule';

describe('untilNextPoll', () => {
  const first = 1_000_000;

  it('waits a whole interval from the first poll', () => {
    expect(untilNextPoll(first, first, 1000)).toBe(1000);
  });

  it('takes what a late poll lost off its wait, so polls do not drift', () => {
    // Each poll's workflow task started 40 ms after its slot: every wait ends on the next slot.
    for (let k = 1; k <= 10; k++) expect(untilNextPoll(first, first + k * 1000 + 40, 1000)).toBe(960);
  });

  it('waits for the next slot after a poll that missed its own', () => {
    expect(untilNextPoll(first, first + 2_700, 1000)).toBe(300);
    expect(untilNextPoll(first, first + 3_000, 1000)).toBe(1000);
  });
});
