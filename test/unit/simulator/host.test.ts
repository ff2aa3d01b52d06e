/** One simulated host's install, reboot and ticket rules, on a clock the test moves. */
import type { CimInstanceName } from '../../../src/cim/types';
import { bundleIdentity, SimulatedHost, type FleetBehaviour } from '../../../src/simulator/host';

function newHost(): { host: SimulatedHost; clock: { now: number } } {
  const clock = { now: Date.parse('2026-11-28T02:00:00Z') };
  const behaviour: FleetBehaviour = { installSeconds: 10, jobRetentionSeconds: 300, invokeDelayMs: 0, now: () => clock.now };
  return { host: new SimulatedHost('esx-001', behaviour), clock };
}

function installedVersion(host: SimulatedHost, name: string): string | undefined {
  const identity = host.instances('root/cimv2').find((i) => i.className === 'CIM_SoftwareIdentity' && i.properties.ElementName?.value === name);
  return identity?.properties.VersionString?.value as string | undefined;
}

function install(host: SimulatedHost, uri: string): void {
  const target: CimInstanceName = host.computerSystem;
  expect(host.installFromUri(uri, target).returnCode).toBe(4096);
}

const DRIVER = 'file:///vmfs/volumes/ds1/drv-2.0.zip';

describe('simulated host', () => {
  test('drv-2.0.zip is VIB drv version 2.0', () => {
    expect(bundleIdentity(DRIVER)).toEqual({ name: 'drv', version: '2.0' });
  });

  test('an install survives a reboot', () => {
    const { host, clock } = newHost();
    install(host, DRIVER);
    clock.now += 10_000;
    host.reboot();
    expect(installedVersion(host, 'drv')).toBe('2.0');
    expect(host.counters.reboots).toBe(1);
  });

  test('revert-on-reboot: the install succeeds, and the next boot comes up without it', () => {
    const { host, clock } = newHost();
    host.failure = 'revert-on-reboot';
    install(host, DRIVER);
    clock.now += 10_000;
    expect(host.jobRecords()[0].outcome).toBe('succeeded');
    expect(installedVersion(host, 'drv')).toBe('2.0');
    host.reboot();
    expect(installedVersion(host, 'drv')).toBeUndefined();
    expect(installedVersion(host, 'esx-base')).toBe('8.0.2-0.0.22380479');
    // Once the category is gone, the next install takes.
    host.failure = undefined;
    install(host, DRIVER);
    clock.now += 10_000;
    host.reboot();
    expect(installedVersion(host, 'drv')).toBe('2.0');
  });

  test('a reboot loses a running install', () => {
    const { host, clock } = newHost();
    install(host, DRIVER);
    clock.now += 5_000;
    host.reboot();
    clock.now += 10_000;
    expect(host.jobRecords()[0].outcome).toBe('lost');
    expect(installedVersion(host, 'drv')).toBeUndefined();
  });

  test('a ticket logs in until it expires or the host reboots, and never while the host refuses tickets', () => {
    const { host, clock } = newHost();
    host.registerTicket('t-1', 120);
    expect(host.acceptTicket('t-1')).toBe(true);
    expect(host.acceptTicket('t-unknown')).toBe(false);
    host.refusesTickets = true;
    expect(host.acceptTicket('t-1')).toBe(false);
    host.refusesTickets = false;
    clock.now += 119_000;
    expect(host.acceptTicket('t-1')).toBe(true);
    clock.now += 1_000;
    expect(host.acceptTicket('t-1')).toBe(false);
    host.registerTicket('t-2', 120);
    host.reboot();
    expect(host.acceptTicket('t-2')).toBe(false);
    expect(host.counters).toMatchObject({ ticketLogins: 2, ticketsRefused: 4 });
  });
});
