/**
 * The decoder under 100,000 mutated responses: it answers with a result or a CimProtocolError,
 * never anything else, none takes pathologically long (a second: a guard against blow-ups such as
 * entity expansion, not a speed target; the slowest time is printed), and memory stays flat.
 */
import { decodeResponse } from '../../../src/cim/decode';
import { encodeResponse } from '../../../src/cim/encode';
import { CimProtocolError } from '../../../src/cim/errors';
import type { CimRequestKind, CimResponse } from '../../../src/cim/messages';
import { cimInterval, cimReference, cimTimestamp } from '../../../src/cim/values';

const ITERATIONS = 100_000;
const system = { className: 'OMC_UnitaryComputerSystem', keys: { CreationClassName: 'OMC_UnitaryComputerSystem', Name: 'esx01' }, namespace: 'root/cimv2' };
const job = {
  className: 'VMware_ConcreteJob',
  path: { className: 'VMware_ConcreteJob', keys: { InstanceID: 'esx01:job:1' }, namespace: 'root/cimv2' },
  properties: {
    InstanceID: { name: 'InstanceID', type: 'string' as const, value: 'esx01:job:1' },
    PercentComplete: { name: 'PercentComplete', type: 'uint16' as const, value: 30 },
    JobState: { name: 'JobState', type: 'uint16' as const, value: 4 },
    JobStatus: { name: 'JobStatus', type: 'string' as const, value: 'Scan of URI Complete & installable packages found. Starting Update.' },
    ErrorDescription: { name: 'ErrorDescription', type: 'string' as const, value: null },
    StartTime: { name: 'StartTime', type: 'datetime' as const, value: cimTimestamp(new Date(0)) },
    TimeBeforeRemoval: { name: 'TimeBeforeRemoval', type: 'datetime' as const, value: cimInterval(300) },
    Schemes: { name: 'Schemes', type: 'uint16' as const, value: [5], isArray: true },
  },
};
const SEEDS: [CimRequestKind, CimResponse][] = [
  ['GetInstance', { ok: true, messageId: '1', result: { kind: 'GetInstance', instance: job } }],
  ['EnumerateInstances', { ok: true, messageId: '2', result: { kind: 'EnumerateInstances', instances: [job, job] } }],
  ['AssociatorNames', { ok: true, messageId: '3', result: { kind: 'AssociatorNames', names: [system] } }],
  ['InvokeMethod', { ok: true, messageId: '4', result: { kind: 'InvokeMethod', methodName: 'InstallFromURI', result: { returnValue: { type: 'uint32', value: 4096 }, outParams: { Job: cimReference(job.path) } } } }],
  ['GetInstance', { ok: false, messageId: '5', kind: 'GetInstance', error: { code: 6, description: 'not found' } }],
];

/** A small deterministic PRNG so a failure can be reproduced from its iteration number. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0), s / 2 ** 32);
}

const MUTATIONS: ((xml: string, r: () => number) => string | Buffer)[] = [
  (x, r) => x.slice(0, Math.floor(r() * x.length)),
  (x, r) => {
    const tags = [...x.matchAll(/<\/?[A-Z.]+/g)];
    if (tags.length < 2) return x;
    const a = tags[Math.floor(r() * tags.length)];
    const b = tags[Math.floor(r() * tags.length)];
    return x.replace(a[0], b[0]);
  },
  (x) => x.replace(/>(\d+)</, '>12x7<'),
  (x) => x.replace(/>\d+</g, '>99999999999999999999<'),
  (x, r) => x.replace(/TYPE="[a-z0-9]+"/, ['TYPE="boolean"', 'TYPE="datetime"', 'TYPE="sint8"', 'TYPE="nope"'][Math.floor(r() * 4)]),
  (x) => x.replace('<CIM ', `<CIM X="${'A'.repeat(100_000)}" `),
  (x, r) => x.replace('<SIMPLERSP>', `<SIMPLERSP>${'<A>'.repeat(20 + Math.floor(r() * 2000))}`),
  (x) => x.replace('<?xml version="1.0" encoding="utf-8" ?>', '<?xml version="1.0"?><!DOCTYPE CIM [<!ENTITY x "boom">]>'),
  () => '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]><CIM CIMVERSION="2.0">&lol2;</CIM>',
  (x, r) => {
    const bytes = Buffer.from(x, 'utf8');
    for (let i = 0; i < 3; i++) bytes[Math.floor(r() * bytes.length)] = 0x80 + Math.floor(r() * 0x7f);
    return bytes;
  },
  (x, r) => {
    const bytes = Buffer.from(x, 'utf8');
    for (let i = 0; i < 8; i++) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
    return bytes;
  },
  (x, r) => {
    const at = Math.floor(r() * x.length);
    return x.slice(0, at) + x.slice(at, at + 200).repeat(1 + Math.floor(r() * 5)) + x.slice(at);
  },
  (x) => x.replace(/CIMVERSION="2.0"/, 'CIMVERSION="9.9"'),
  (x) => x.replace(/&amp;/g, '&').replace(/<VALUE>/, '<VALUE><![CDATA[x'),
];

describe('CIM-XML decoder fuzzing', () => {
  it(`answers ${ITERATIONS.toLocaleString('en-US')} mutated responses with results or typed errors only, none pathologically slow, memory flat`, () => {
    const seeds = SEEDS.map(([kind, response]) => ({ kind, xml: encodeResponse(response) }));
    const random = prng(20261125);
    const baseline = process.memoryUsage().heapUsed;
    let slowest = 0;
    let typedErrors = 0;
    let decoded = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const seed = seeds[i % seeds.length];
      const mutated = MUTATIONS[Math.floor(random() * MUTATIONS.length)](seed.xml, random);
      const started = performance.now();
      try {
        decodeResponse(mutated, { kind: seed.kind, methodName: 'InstallFromURI' }, { host: 'fuzz' });
        decoded++;
      } catch (err) {
        if (!(err instanceof CimProtocolError)) throw new Error(`iteration ${i}: untyped ${String(err)}`);
        typedErrors++;
      }
      slowest = Math.max(slowest, performance.now() - started);
    }
    const grownMb = (process.memoryUsage().heapUsed - baseline) / 1024 / 1024;
    process.stdout.write(`fuzz: ${decoded} decoded, ${typedErrors} typed errors, slowest ${slowest.toFixed(1)} ms, heap +${grownMb.toFixed(1)} MB\n`);
    expect(decoded + typedErrors).toBe(ITERATIONS);
    expect(typedErrors).toBeGreaterThan(ITERATIONS / 2);
    expect(slowest).toBeLessThan(1_000);
    expect(grownMb).toBeLessThan(100);
  }, 120_000);
});
