import { createRequire } from 'node:module';

// Bundled builds define FABWATCH_VERSION at build time; from source it comes from package.json.
declare const FABWATCH_VERSION: string | undefined;

function readVersion(): string {
  if (typeof FABWATCH_VERSION === 'string') return FABWATCH_VERSION;
  try {
    return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
  } catch {
    return '0.0.0-unknown';
  }
}

export const VERSION = readVersion();
