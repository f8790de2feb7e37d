import { execFileSync } from 'node:child_process';

/**
 * The project's one skip policy: a test that needs something outside npm (a system tool, root, a
 * dataset, a browser) is skipped with the reason on a developer machine, and FAILS in CI (CI=true),
 * so a CI image that lost a package cannot turn a check green by skipping it. Every `skip:` in the
 * tests goes through here (test/unit/skip-policy.test.ts checks that).
 *
 * `missing` is the reason the test cannot run, or a falsy value when it can. Returns the value for
 * node:test's `skip` option; throws in CI.
 */
export function skipUnless(missing: string | false | null | undefined, env: NodeJS.ProcessEnv = process.env): string | false {
  if (!missing) return false;
  if (env.CI === 'true') throw new Error(`${missing}; CI=true, so this is a failure, not a skip`);
  return missing;
}

export function hasTool(tool: string): boolean {
  try {
    execFileSync('/bin/sh', ['-c', 'command -v "$1" || test -x "/usr/sbin/$1"', 'sh', tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Skip (fail in CI) unless every tool is on the PATH; `install` says how to get them. */
export function skipWithoutTools(tools: readonly string[], install = 'apt-get install systemd python3', env: NodeJS.ProcessEnv = process.env): string | false {
  const missing = tools.filter((tool) => !hasTool(tool));
  return skipUnless(missing.length ? `missing tool(s): ${missing.join(', ')} (Debian: ${install})` : false, env);
}

/** Skip (fail in CI, which runs as root: .ci/run) unless the test runs as root. */
export function skipUnlessRoot(why: string, env: NodeJS.ProcessEnv = process.env): string | false {
  return skipUnless(process.getuid?.() === 0 ? false : `${why} needs root`, env);
}
