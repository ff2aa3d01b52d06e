/**
 * `--notify`: on both commands that start rollouts, references only (a URL given is refused
 * without being shown), the format prefix, and the secret.
 */
import { inFlagTerms } from '../../../src/cli/inputFlags';
import { buildProgram } from '../../../src/cli/program';
import { ROLLOUT_FIELDS } from '../../../src/cli/rolloutOptions';
import { parseRolloutInput } from '../../../src/workflows/rolloutInput';
import { notifyInputFromFlags } from '../../../src/cli/notifyOptions';
import { UsageError } from '../../../src/cli/usageError';

const URL_WITH_TOKEN = 'https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX';

function refusal(flags: Parameters<typeof notifyInputFromFlags>[0]): string {
  try {
    notifyInputFromFlags(flags);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected the flags to be refused');
}

describe('--notify flags', () => {
  it('are offered by `rollout` and `schedule create`', () => {
    const program = buildProgram();
    const rollout = program.commands.find((c) => c.name() === 'rollout');
    const create = program.commands.find((c) => c.name() === 'schedule')?.commands.find((c) => c.name() === 'create');
    for (const command of [rollout, create]) {
      expect(command?.options.map((o) => o.long)).toEqual(expect.arrayContaining(['--notify', '--notify-secret', '--notify-web-ui']));
    }
  });

  it('make the input from references, with the format each prefix names', () => {
    expect(notifyInputFromFlags({})).toEqual({});
    expect(notifyInputFromFlags({ notify: ['env:HOOK', 'slack:file:/etc/vibflow/slack', 'json:env:PAGER'], notifySecret: 'env:KEY', notifyWebUi: 'https://temporal.example.com' })).toEqual({
      notify: {
        webhooks: [{ webhook: 'env:HOOK', format: 'json' }, { webhook: 'file:/etc/vibflow/slack', format: 'slack' }, { webhook: 'env:PAGER', format: 'json' }],
        secret: 'env:KEY',
        webUi: 'https://temporal.example.com',
      },
    });
  });

  it('refuse a URL or a key in place of a reference, never showing it', () => {
    for (const given of [URL_WITH_TOKEN, `slack:${URL_WITH_TOKEN}`]) {
      const message = refusal({ notify: ['env:OK', given] });
      expect(message).toMatch(/^--notify \(#2\): must be a reference/);
      expect(message).not.toContain('secret');
    }
    expect(refusal({ notify: ['env:OK'], notifySecret: 'hunter2hunter2' })).not.toContain('hunter2');
    expect(refusal({ notifySecret: 'env:KEY' })).toBe('--notify-secret: only with --notify REF (it signs the notifications)');
  });

  it('name the flag when the input they make is refused: JSON webhooks need --notify-secret', () => {
    const input = { rolloutId: 'r1', hosts: [{ name: 'esx-001', url: 'https://127.20.0.1:5989', user: 'root', credential: 'env:P' }], bundleUri: 'file:///vmfs/volumes/ds1/b.zip', maxConcurrency: 1 };
    let message = '';
    try {
      parseRolloutInput({ ...input, ...notifyInputFromFlags({ notify: ['env:HOOK'] }) }, Date.now());
    } catch (err) {
      message = (err as Error).message;
    }
    expect(inFlagTerms(message, ROLLOUT_FIELDS)).toBe('--notify-secret: Required for the generic JSON format (webhooks[0]): its requests are signed so receivers can check them');
  });
});
