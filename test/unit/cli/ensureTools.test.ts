/**
 * `npm test`'s pretest on a machine that lacks what the tests need: it installs it when it can
 * (root with apt-get), and otherwise stops at once with the command to run. The decision is
 * checked for each case; the script itself runs for real, once on this machine as it is and once
 * with a PATH that hides the tools and apt-get.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { planSystemSetup, SYSTEM_TOOLS, VENV_PYTHON, type SystemTool } from '../../../scripts/systemTools';

const SCRIPT = path.resolve(__dirname, '../../../scripts/ensure-tools.js');
const tool = (aptPackage: string): SystemTool => SYSTEM_TOOLS.find((t) => t.aptPackage === aptPackage) as SystemTool;

interface Run {
  readonly code: number;
  readonly output: string;
  readonly seconds: number;
}

async function ensureTools(env: NodeJS.ProcessEnv): Promise<Run> {
  const started = Date.now();
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [SCRIPT], { env, timeout: 600_000 });
    return { code: 0, output: stdout + stderr, seconds: (Date.now() - started) / 1000 };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}`, seconds: (Date.now() - started) / 1000 };
  }
}

describe('deciding what to do about missing system tools', () => {
  const missing = [tool('sblim-wbemcli'), tool('chromium'), tool('postgresql')];

  it('does nothing when nothing is missing', () => {
    expect(planSystemSetup([], { root: false, aptGet: false })).toEqual({ action: 'nothing' });
  });

  it('installs the missing packages with apt-get as root', () => {
    expect(planSystemSetup(missing, { root: true, aptGet: true })).toEqual({ action: 'apt-get', packages: ['sblim-wbemcli', 'chromium', 'postgresql'] });
  });

  it('stops with the one apt-get command to run when not root', () => {
    const plan = planSystemSetup(missing, { root: false, aptGet: true });
    expect(plan.action).toBe('stop');
    expect(plan.action === 'stop' && plan.message).toContain('\n  sudo apt-get install -y sblim-wbemcli chromium postgresql\n');
    expect(plan.action === 'stop' && plan.message).toContain('wbemcli (interop tests), chromium (Web UI test), PostgreSQL (cluster tests)');
  });

  it('names the Debian packages when there is no apt-get, root or not', () => {
    for (const root of [true, false]) {
      const plan = planSystemSetup([tool('tmux')], { root, aptGet: false });
      expect(plan).toEqual({ action: 'stop', message: expect.stringContaining('no apt-get here. Install the equivalents of these Debian packages: tmux') });
    }
  });
});

describe('scripts/ensure-tools.js, run for real', () => {
  it('finds everything on this machine (installing what was missing) and says where pywbem runs', async () => {
    const run = await ensureTools(process.env);
    expect(run.output).not.toContain('vibflow:');
    expect(run.code).toBe(0);
    expect(run.output).toContain('system tools: sblim-wbemcli, chromium, postgresql, curl, tmux, unzip, binutils, python3-venv: present');
    expect(run.output).toContain(`pywbem: ${VENV_PYTHON}`);
    expect(run.output).toMatch(/temporal CLI: .*temporal/);
  }, 600_000);

  it('stops at once, naming what to install, where the tools and apt-get are out of reach', async () => {
    const bin = await mkdtemp(path.join(os.tmpdir(), 'vibflow-path-'));
    try {
      await symlink(process.execPath, path.join(bin, 'node'));
      const run = await ensureTools({ ...process.env, PATH: bin });
      expect(run.code).toBe(1);
      expect(run.output).toMatch(/vibflow: the tests need wbemcli \(interop tests\), .*curl, tmux \(terminal test\).* which are not installed, and there is no apt-get here/);
      expect(run.output).toMatch(/Debian packages: sblim-wbemcli .*curl tmux/);
      expect(run.output).not.toContain('installing');
      expect(run.seconds).toBeLessThan(10);
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });
});
