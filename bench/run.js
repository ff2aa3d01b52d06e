#!/usr/bin/env node
'use strict';
// `npm run bench`: every benchmark in turn; each prints its figures last. Not part of `npm test`.
require('ts-node').register({ transpileOnly: true, swc: true });
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const benches = process.argv.slice(2).length ? process.argv.slice(2) : ['cimClient', 'historyCost', 'makespan', 'footprint', 'recovery', 'detection', 'replayCost', 'remediation', 'bundleInspect', 'staging', 'vcenterHosts', 'rolloutParentHistory'];
for (const given of benches) {
  // `bundle-inspect` names bench/bundleInspect.ts.
  const name = given.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
  console.log(`\n### bench/${name}`);
  execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, `${name}.ts`)], {
    stdio: 'inherit',
    env: { ...process.env, TS_NODE_SWC: 'true' },
  });
}
