import { spawn, type ChildProcess } from 'node:child_process';
import { skipWithoutTools } from './skip.js';

export interface PtyPair {
  a: string;
  b: string;
  close(): Promise<void>;
}

/** Tests that need a serial line skip without socat (and fail in CI: test/helpers/skip.ts). */
export function skipWithoutSocat(): string | false {
  return skipWithoutTools(['socat'], 'apt-get install socat');
}

/**
 * A connected pair of pseudo-terminals from `socat -d -d pty,raw,echo=0 pty,raw,echo=0`: what one
 * side writes the other reads, like the two ends of a serial cable. serialport opens them as
 * ordinary tty devices.
 */
export function ptyPair(links?: { a: string; b: string }): Promise<PtyPair> {
  // With links, socat also creates stable symlinks to the ptys (like /dev/serial/by-id/...), so a
  // pair can be torn down and recreated under the same path: a USB adapter unplugged and replugged.
  const end = (link?: string) => (link ? `pty,raw,echo=0,link=${link}` : 'pty,raw,echo=0');
  return new Promise((resolve, reject) => {
    const proc: ChildProcess = spawn('socat', ['-d', '-d', end(links?.a), end(links?.b)], { stdio: ['ignore', 'ignore', 'pipe'] });
    const paths: string[] = [];
    let err = '';
    const timer = setTimeout(() => {
      proc.kill();
      reject(new Error(`socat did not report two ptys: ${err}`));
    }, 5000);
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      for (const m of d.toString().matchAll(/PTY is (\S+)/g)) paths.push(m[1]);
      if (paths.length === 2 && /starting data transfer loop/.test(err)) {
        clearTimeout(timer);
        resolve({
          a: links?.a ?? paths[0],
          b: links?.b ?? paths[1],
          close: () =>
            new Promise<void>((res) => {
              if (proc.exitCode !== null) return res();
              proc.once('exit', () => res());
              proc.kill('SIGTERM');
            }),
        });
      }
    });
    proc.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
