import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Pseudo file systems: mkdir there fails in odd ways (a recursive mkdir under /proc spun at 100 % CPU). */
const PSEUDO_FS = ['/proc', '/sys', '/dev'];

/** Why a state directory path cannot be used, without touching the disk; null when it may be. */
export function stateDirPathProblem(dir: string): string | null {
  const abs = resolve(dir);
  const pseudo = PSEUDO_FS.find((p) => abs === p || abs.startsWith(`${p}/`));
  return pseudo ? `${abs} is under ${pseudo}, a kernel pseudo file system: use a real directory such as /var/lib/fabwatch` : null;
}

/**
 * Why the state directory cannot be used on this machine (read from the disk): it must be a
 * writable directory, or be creatable under the nearest existing directory. null when usable.
 */
export function stateDirProblem(dir: string): string | null {
  const pathProblem = stateDirPathProblem(dir);
  if (pathProblem) return pathProblem;
  let p = resolve(dir);
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      const parent = dirname(p);
      if (parent === p) return `no existing directory above ${resolve(dir)}`;
      p = parent;
      continue;
    }
    if (!isDir) return `${p} exists and is not a directory`;
    try {
      accessSync(p, constants.W_OK | constants.X_OK);
    } catch {
      return p === resolve(dir) ? `${p} is not writable by this user` : `${resolve(dir)} does not exist and ${p} is not writable by this user, so it cannot be created`;
    }
    return null;
  }
}
