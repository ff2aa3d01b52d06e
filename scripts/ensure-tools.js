#!/usr/bin/env node
'use strict';
// `npm test` runs this first. The integration tests need a temporal CLI (see src/devserver), the
// deployment test a Docker Compose; each is built from source with Go when nothing provides it.
require('ts-node').register({ transpileOnly: true, swc: true });
const { resolveTemporalCli, NO_CLI_HELP } = require('../src/devserver/resolveTemporalCli');
const { resolveCompose, COMPOSE_MODULE } = require('../test/support/compose');
const log = (line) => console.log(line);
if (!resolveTemporalCli(log)) {
  console.error(`vibflow: ${NO_CLI_HELP}`);
  process.exit(1);
}
const compose = resolveCompose(log);
if (!compose) {
  console.error(`vibflow: no Docker Compose v2 for the deployment test: install the docker compose plugin, or Go to build ${COMPOSE_MODULE}`);
  process.exit(1);
}
log(`docker compose: ${compose.join(' ')}`);
