import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './gateway-process.js';
import { skipUnless } from './skip.js';

/** The shared recordings: $FABWATCH_DATASETS, else ../shared/datasets beside the repository. */
export const datasetsDir = process.env.FABWATCH_DATASETS ?? path.resolve(repoRoot, '../shared/datasets');

/**
 * For node:test's `skip` option: on a developer machine without the recordings the tests that
 * read them are skipped with a reason; in CI (CI=true), where ../shared is always laid beside the
 * clone, a missing folder is a failure, never a silent skip.
 */
export function skipWithoutDatasets(sub = ''): string | false {
  const dir = path.join(datasetsDir, sub);
  return skipUnless(!existsSync(dir) && `datasets not found at ${dir} (set FABWATCH_DATASETS)`);
}
