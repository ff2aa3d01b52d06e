/**
 * The live views in a real terminal: tmux runs `install --wait` and `rollout --wait`, and the test
 * reads the screen with capture-pane. The bars render and are redrawn in place, a resize from 120
 * to 80 columns leaves them whole (fitted, not wrapped, not stacked), and what stays on the screen
 * at the end is readable at 80 columns.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startSimulator, type Simulator } from '../../src/simulator';
import { placeBundle } from '../support/bundles';
import { assertNoCanary } from '../support/secretCanary';
import { startTestWorker, temporalAddress, uniqueTaskQueue, type TestWorker } from '../support/temporal';
import { waitFor } from '../support/waitFor';

const BIN = path.resolve(__dirname, '../../bin/vibflow.js');
const BAR = '\\[[█░]{20}\\]';

/** A private tmux server (its own socket), so nothing here touches anyone else's sessions. */
class Tmux {
  constructor(private readonly socket: string) {}

  private async tmux(...args: string[]): Promise<string> {
    return (await promisify(execFile)('tmux', ['-S', this.socket, ...args], { timeout: 10_000 })).stdout;
  }

  /** Runs `argv` in a detached WIDTHxHEIGHT window; afterwards the pane shows EXIT=<status> and stays. */
  run(session: string, width: number, height: number, argv: readonly string[]): Promise<string> {
    const command = `${argv.map((a) => `'${a}'`).join(' ')}; echo "EXIT=$?"; sleep 600`;
    return this.tmux('new-session', '-d', '-s', session, '-x', String(width), '-y', String(height), command);
  }

  resize(session: string, width: number, height: number): Promise<string> {
    return this.tmux('resize-window', '-t', session, '-x', String(width), '-y', String(height));
  }

  /** Everything the pane shows and scrolled off, one logical line each (a wrapped line joined). */
  async transcript(session: string): Promise<string[]> {
    const text = await this.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', session);
    assertNoCanary(`the terminal of ${session}`, text);
    return text.split('\n').map((line) => line.trimEnd()).filter(Boolean);
  }

  kill(): Promise<string> {
    return this.tmux('kill-server').catch(() => '');
  }
}

describe('the live views in a real terminal', () => {
  let simulator: Simulator;
  let worker: TestWorker;
  let dir: string;
  let inventory: string;
  let tmux: Tmux;
  const taskQueue = uniqueTaskQueue('terminal');
  const temporal = () => ['--address', temporalAddress(), '--task-queue', taskQueue];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-terminal-'));
    inventory = path.join(dir, 'inventory.json');
    simulator = await startSimulator({ hosts: 6, basePort: 0, addressBase: '127.37.0.1', installSeconds: 8, failures: { 'esx-006': 'space' }, inventoryFile: inventory, datastores: [{ name: 'ds1' }] });
    await placeBundle(simulator, 'file:///vmfs/volumes/ds1/terminal-install-1.0.0.zip', [{ name: 'terminal-install', version: '1.0.0' }]);
    await placeBundle(simulator, 'file:///vmfs/volumes/ds1/terminal-rollout-1.0.0.zip', [{ name: 'terminal-rollout', version: '1.0.0' }]);
    worker = await startTestWorker({ taskQueue });
    tmux = new Tmux(path.join(dir, 'tmux.sock'));
  });

  afterAll(async () => {
    await tmux?.kill();
    await worker?.shutdown();
    await simulator?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Waits until the transcript has a line matching `pattern`; returns the transcript. */
  async function screenWith(session: string, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<string[]> {
    let lines: string[] = [];
    await waitFor(async () => (lines = await tmux.transcript(session)).some((line) => pattern.test(line)), what, timeoutMs, 250);
    return lines;
  }

  it('install --wait: one bar redrawn in place, fitted after a resize to 80 columns, then the summary', async () => {
    const bundle = 'file:///vmfs/volumes/ds1/terminal-install-1.0.0.zip';
    await tmux.run('install', 120, 30, [process.execPath, BIN, 'install', '--inventory', inventory, '--host', 'esx-001', '--uri', bundle, '--poll', '500ms', '--wait', ...temporal()]);
    const bar = new RegExp(`^esx-001 ${BAR} +(\\d+)% \\| \\d+s, (\\d+) polls \\| \\S`);
    // Resized while the bar is wider than 80 columns: the terminal then reflows what was drawn.
    const before = await screenWith('install', /^esx-001 .{73,}/, 'the install bar wider than 80 columns');
    expect(before.filter((line) => bar.test(line))).toHaveLength(1);
    const pollsBefore = Number(bar.exec(before.find((line) => bar.test(line)) as string)?.[2]);

    await tmux.resize('install', 80, 30);
    const after = await screenWith('install', new RegExp(`^esx-001 ${BAR} +\\d+% \\| \\d+s, (${pollsBefore + 2}|${pollsBefore + 3}|${pollsBefore + 4}) polls`), 'the bar redrawn at 80 columns');
    const bars = after.filter((line) => bar.test(line));
    expect(bars.length).toBeLessThanOrEqual(2); // the frame now, and at most one left above by the resize
    expect(bars.at(-1)?.length).toBeLessThan(80);

    const end = await screenWith('install', /^EXIT=\d+$/, 'the install to end');
    expect(end).toContain('EXIT=0');
    expect(end).toContain('Outcome: succeeded-reboot-required');
    expect(end.filter((line) => bar.test(line)).at(-1)).toMatch(/ 100% \|/);
  });

  it('rollout --wait: a totals bar and a bar per installing host, whole after a resize, and a final table readable at 80 columns', async () => {
    const bundle = 'file:///vmfs/volumes/ds1/terminal-rollout-1.0.0.zip';
    await tmux.run('rollout', 120, 40, [process.execPath, BIN, 'rollout', '--inventory', inventory, '--uri', bundle, '--id', `terminal-${Date.now().toString(36)}`,
      '--max-concurrency', '3', '--max-failures', '1', '--poll', '500ms', '--wait', ...temporal()]);
    const totals = new RegExp(`^rollout +${BAR} \\d/6 done.* \\| \\S`);
    const hostBar = new RegExp(`^esx-00\\d +${BAR} +\\d+% \\| \\S`);
    const live = await screenWith('rollout', /^esx-003 .{73,}/, 'three host bars, wider than 80 columns');
    expect(live.filter((line) => totals.test(line))).toHaveLength(1);
    expect(live.filter((line) => hostBar.test(line))).toHaveLength(3);

    await tmux.resize('rollout', 80, 40);
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // a few redraws at the new width
    const resized = await tmux.transcript('rollout');
    const frame = resized.slice(resized.map((line) => totals.test(line)).lastIndexOf(true));
    expect(frame.length).toBeGreaterThanOrEqual(2);
    for (const line of frame) {
      expect(line).toMatch(new RegExp(`${totals.source}|${hostBar.source}`));
      expect(line.length).toBeLessThan(80);
    }

    const end = await screenWith('rollout', /^EXIT=\d+$/, 'the rollout to end', 120_000);
    expect(end).toContain('EXIT=1');
    expect(end.filter((line) => totals.test(line)).length).toBeLessThanOrEqual(2);
    expect(end.filter((line) => totals.test(line)).at(-1)).toMatch(/ 6\/6 done: 5 succeeded, 1 failed \| completed/);
    const table = end.slice(end.findIndex((line) => /^host +state +attempt +outcome +error$/.test(line)), end.indexOf('EXIT=1'));
    expect(table[0]).toBeDefined();
    for (const line of table) expect(line.length).toBeLessThanOrEqual(80);
    expect(table).toContainEqual(expect.stringMatching(/^esx-006 +failed +1 +failed +\[InstallationError\] .*…$/));
    expect(table).toContain('(errors shortened to fit the terminal: --format csv or json has them in full)');
    expect(table.at(-1)).toBe('ended: completed (completed-with-failures)');
  });
});
