/**
 * Worker Versioning on the dev server: vibflow upgraded while a 20-host rollout runs. The rollout
 * finishes on the version it started on (v2's code would fail its history), new work runs on v2,
 * v1 drains and is stopped; the same with v1's worker SIGKILLed mid-upgrade; and an unversioned
 * installation moving to Worker Versioning.
 */
import { rmSync } from 'node:fs';
import { buildV2Bundle, migrateFromUnversioned, upgradeWhileRolling } from '../support/upgrade';
import { temporalAddress, testClient } from '../support/temporal';

describe('upgrading vibflow while a rollout runs (Worker Versioning, dev server)', () => {
  let v2BundlePath: string;

  beforeAll(async () => {
    v2BundlePath = await buildV2Bundle();
  }, 120_000);
  afterAll(() => rmSync(v2BundlePath, { force: true }));

  it('a rollout started on v1 finishes on v1 while v2 is made current; new work runs on v2; v1 drains', async () => {
    const figures = await upgradeWhileRolling({ client: await testClient(), address: temporalAddress(), v2BundlePath, addressBase: '127.83.0.1', killV1: false, label: 'dev' });
    process.stdout.write(`upgrade on the dev server: ${figures.seconds} s; v1 drained ${figures.drainedAfterSeconds} s after the last rollout ended (${figures.phases.join('; ')})\n`);
  }, 240_000);

  it('with the v1 worker SIGKILLed mid-upgrade the rollout waits, status says why, and it finishes once a v1 worker is back', async () => {
    const figures = await upgradeWhileRolling({ client: await testClient(), address: temporalAddress(), v2BundlePath, addressBase: '127.84.0.1', killV1: true, label: 'devkill' });
    process.stdout.write(`upgrade with v1 killed on the dev server: ${figures.seconds} s; v1 drained ${figures.drainedAfterSeconds} s after the last rollout ended (${figures.phases.join('; ')})\n`);
  }, 240_000);

  it('an unversioned installation moves over: the versioned worker waits for set-current; once the unversioned worker stops, running work moves to the version', async () => {
    const figures = await migrateFromUnversioned({ client: await testClient(), address: temporalAddress(), addressBase: '127.85.0.1', label: 'dev' });
    process.stdout.write(`move from unversioned on the dev server: ${figures.seconds} s (${figures.phases.join('; ')})\n`);
  }, 180_000);
});
