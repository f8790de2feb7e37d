import { execFileSync } from 'node:child_process';

/**
 * Some integration tests need a system tool (systemd-analyze, systemd-notify, python3). Locally a
 * missing tool skips the test with a reason; in CI (CI=true) it is a failure, so a CI image that
 * lost the package cannot turn the check green by skipping it.
 *
 * Returns the skip reason, or undefined when every tool is present. Throws in CI.
 */
export function missingTools(tools: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const missing = tools.filter((tool) => !hasTool(tool));
  if (missing.length === 0) return undefined;
  const reason = `missing tool(s): ${missing.join(', ')} (Debian: apt-get install systemd python3)`;
  if (env.CI === 'true') throw new Error(`${reason}; CI=true, so this is a failure, not a skip`);
  return reason;
}

export function hasTool(tool: string): boolean {
  try {
    execFileSync('/bin/sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
