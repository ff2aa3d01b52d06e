import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findHost, hostList, InventoryError, loadInventory } from '../../../src/inventory/inventory';

const host = (name: string, extra: Record<string, unknown> = {}) => ({ name, url: `https://${name}.lab:5989`, user: 'root', credential: 'env:ESX_PW', ...extra });

describe('inventory files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-inv-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function load(content: unknown): Promise<unknown> {
    const file = path.join(dir, `inv-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
    return loadInventory(file);
  }

  it('loads a valid inventory and finds hosts by name, case-insensitively', async () => {
    const inventory = hostList((await load({ version: 1, hosts: [host('esx-01'), host('esx-02', { tls: { thumbprint: 'AB'.repeat(32) } })] })) as Awaited<ReturnType<typeof loadInventory>>, 'test');
    expect(findHost(inventory, 'ESX-02').tls?.thumbprint).toBe('AB'.repeat(32));
    expect(() => findHost(inventory, 'esx-0')).toThrow(/host "esx-0" is not in the inventory; did you mean esx-01, esx-02\?/);
  });

  it.each([
    [{ version: 1, hosts: [host('esx-01'), host('ESX-01')] }, 'hosts[1].name: duplicate host "ESX-01" (also hosts[0])'],
    [{ version: 1, hosts: [host('esx-01', { url: 'esx-01:5989' })] }, 'hosts[0].url: must be an http(s) URL'],
    [{ version: 1, hosts: [host('esx-01', { credential: 'hunter2' })] }, 'hosts[0].credential: must be a reference'],
    [{ version: 1, hosts: [host('esx-01', { url: 'http://esx-01:5988' })] }, 'hosts[0].url: plain http is refused unless allowHttp is true'],
    [{ version: 1, hosts: [host('esx-01', { colour: 'blue' })] }, 'colour'],
    [{ version: 2, hosts: [host('esx-01')] }, 'version'],
    [{ version: 1, hosts: [] }, 'hosts: must list at least one host'],
    ['{ not json', 'not valid JSON'],
  ])('refuses a bad inventory with a message naming the field (%#)', async (content, message) => {
    const err = await load(content).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InventoryError);
    expect((err as Error).message).toContain(message);
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('reads an inventory that names a vCenter: per-host overrides are partial, the CIM URL template defaults', async () => {
    const inventory = await load({ version: 1, vcenter: { url: 'https://vc01.lab/sdk', user: 'svc@vsphere.local', credential: 'env:VC_PW', tls: { thumbprint: 'AB'.repeat(32) } }, hosts: [{ name: 'esx-01', url: 'https://10.0.0.1:5989' }] });
    expect(inventory).toMatchObject({ cimUrlTemplate: 'https://{name}:5989', hosts: [{ name: 'esx-01', url: 'https://10.0.0.1:5989' }] });
    await expect(load({ ...(inventory as object), hosts: [] }).then((i) => hostList(i as Awaited<ReturnType<typeof loadInventory>>, 'v.json'))).rejects.toThrow(/names a vCenter: its hosts are read when a rollout starts/);
  });

  it.each([
    [{ version: 1, vcenter: { url: 'http://vc01.lab/sdk', user: 'u', credential: 'env:VC_PW' } }, 'vcenter.url: vCenter is reached over https only'],
    [{ version: 1, vcenter: { url: 'https://vc01.lab/sdk', user: 'u', credential: 'hunter2' } }, 'vcenter.credential: must be a reference'],
    [{ version: 1, vcenter: { url: 'https://vc01.lab/sdk', user: 'u', credential: 'env:VC_PW' }, cimUrlTemplate: 'https://esx:5989' }, 'cimUrlTemplate: must be a URL containing {name}'],
    [{ version: 1, vcenter: { url: 'https://vc01.lab/sdk', user: 'u', credential: 'env:VC_PW' }, hosts: [{ name: 'esx-01', credential: 'env:X' }] }, 'hosts[0].user: required with credential'],
  ])('refuses a bad vCenter inventory naming the field (%#)', async (content, message) => {
    const err = await load(content).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InventoryError);
    expect((err as Error).message).toContain(message);
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('names the file when it cannot be read', async () => {
    await expect(loadInventory(path.join(dir, 'missing.json'))).rejects.toThrow(/missing\.json: cannot be read \(ENOENT\)/);
  });
});
