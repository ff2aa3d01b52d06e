import { InvalidInputError } from '../../../src/workflows/installInput';
import { parseRolloutInput } from '../../../src/workflows/rolloutInput';

const host = { name: 'esx-001', url: 'https://127.20.0.1:5989', user: 'root', credential: 'env:ESX_PASSWORD' };
const valid = { rolloutId: 'r1', hosts: [host], bundleUri: 'file:///vmfs/volumes/ds1/b.zip', maxConcurrency: 1 };
const URL_WITH_TOKEN = 'https://hooks.example.com/services/T000/B000/XXXXsecretXXXX';

function refused(raw: unknown): string {
  try {
    parseRolloutInput(raw, Date.now());
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as Error).message;
  }
  throw new Error('expected the input to be refused');
}

describe('the rollout input: notify', () => {
  it('takes webhook references with their format, a signing secret, and the Web UI (default the dev server\'s)', () => {
    const plan = parseRolloutInput({ ...valid, notify: { webhooks: [{ webhook: 'env:HOOK' }, { webhook: 'file:/etc/vibflow/slack', format: 'slack' }], secret: 'env:HOOK_KEY' } }, Date.now());
    expect(plan.notify).toEqual({
      webhooks: [{ webhook: 'env:HOOK', format: 'json' }, { webhook: 'file:/etc/vibflow/slack', format: 'slack' }],
      secret: 'env:HOOK_KEY',
      webUi: 'http://127.0.0.1:8233',
    });
    expect(parseRolloutInput(valid, Date.now()).notify).toBeUndefined();
  });

  it('refuses a webhook URL in place of a reference, naming the field and never showing the URL', () => {
    const message = refused({ ...valid, notify: { webhooks: [{ webhook: URL_WITH_TOKEN, format: 'slack' }] } });
    expect(message).toBe('invalid rollout input:\nnotify.webhooks[0].webhook: must be a reference to the webhook URL, env:NAME or file:/absolute/path, never the URL itself (it carries its token)');
    expect(refused({ ...valid, notify: { webhooks: [{ webhook: 'env:H', format: 'slack' }], secret: 'hunter2-key' } })).not.toContain('hunter2');
  });

  it('refuses unsigned generic JSON, and a list of no webhooks', () => {
    expect(refused({ ...valid, notify: { webhooks: [{ webhook: 'env:SLACK', format: 'slack' }, { webhook: 'env:HOOK' }] } }))
      .toBe('invalid rollout input:\nnotify.secret: Required for the generic JSON format (webhooks[1]): its requests are signed so receivers can check them');
    expect(refused({ ...valid, notify: { webhooks: [] } })).toBe('invalid rollout input:\nnotify.webhooks: must list at least one webhook');
  });
});
