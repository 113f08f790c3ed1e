#!/usr/bin/env node
// The package bin: runs the compiled CLI (dist/, made by `npm run build`, which `npm ci` runs).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('marketplace-sandbox: there is no build in dist/; run `npm run build` (npm ci and npm install run it for you).');
  process.exit(1);
}
await import(cli.href);
