#!/usr/bin/env node
'use strict';
// `npm test` runs this first: the integration tests need a temporal CLI (see src/devserver).
require('ts-node').register({ transpileOnly: true, swc: true });
const { resolveTemporalCli, NO_CLI_HELP } = require('../src/devserver/resolveTemporalCli');
if (!resolveTemporalCli((line) => console.log(line))) {
  console.error(`vibflow: ${NO_CLI_HELP}`);
  process.exit(1);
}
