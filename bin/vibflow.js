#!/usr/bin/env node
'use strict';
// Runs the TypeScript sources directly from a checkout (transpile-only via SWC, which the
// Temporal worker already depends on), or the compiled build when the sources are absent.
const path = require('path');
const fs = require('fs');
const root = path.join(__dirname, '..');
const src = path.join(root, 'src', 'cli', 'main.ts');
if (fs.existsSync(src)) {
  require('ts-node').register({ transpileOnly: true, swc: true, project: path.join(root, 'tsconfig.json') });
  require(src);
} else {
  require(path.join(root, 'dist', 'src', 'cli', 'main.js'));
}
