#!/usr/bin/env node
// The `fabwatch` command: runs the bundle when it has been built (npm run build), else the
// TypeScript sources through tsx (a development checkout).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

process.env.FABWATCH_CLI = '1';
const bundle = fileURLToPath(new URL('../dist/fabwatch.mjs', import.meta.url));
if (existsSync(bundle)) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
