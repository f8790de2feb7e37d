/**
 * The package root (the folder holding fabwatch's package.json, models/ and config/), found by
 * walking up from this module's own location. The same answer from source (src/core/) and from
 * the bundle (dist/fabwatch.mjs), where a fixed '../../' would point above the checkout.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(moduleUrl: string = import.meta.url): string {
  if (moduleUrl === import.meta.url && cached !== undefined) return cached;
  let dir = path.dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'fabwatch') break;
      } catch {
        // an unreadable package.json is not ours: keep walking up
      }
    }
    const up = path.dirname(dir);
    if (up === dir) {
      // Not inside a fabwatch package (e.g. the bundle copied alone): fall back to the working directory.
      dir = process.cwd();
      break;
    }
    dir = up;
  }
  if (moduleUrl === import.meta.url) cached = dir;
  return dir;
}

/** A path relative to the package root; absolute paths are returned unchanged. */
export function fromPackageRoot(p: string): string {
  return path.isAbsolute(p) ? p : path.join(packageRoot(), p);
}

/** The default RUL model (its card is the same path with .json). */
export function defaultRulModelPath(): string {
  return fromPackageRoot(path.join('models', 'rul.onnx'));
}
