import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The Sparkplug birth/death sequence number (bdSeq): 0..255, +1 for every MQTT CONNECT, the same
 * value in the connection's NDEATH (the will) and its NBIRTH. Persisted (written and fsynced
 * before the CONNECT goes out), so a restarted node never reuses the bdSeq of a session whose
 * NDEATH a host may still receive.
 */
export class BdSeqStore {
  private last: number | null = null;

  constructor(private readonly path: string) {}

  /** The last bdSeq handed out (persisted), or null before the first. */
  current(): number | null {
    if (this.last === null) this.last = this.read();
    return this.last;
  }

  /** Why the last next() could not persist its value (null when it did). */
  lastError: string | null = null;

  /** Persist and return the bdSeq for the next CONNECT. If it cannot be saved (full or read-only disk) it still advances, in memory, and `lastError` says why. */
  next(): number {
    const prev = this.current();
    const value = prev === null ? 0 : (prev + 1) % 256;
    this.last = value;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.tmp`;
      const fd = openSync(tmp, 'w', 0o644);
      try {
        writeSync(fd, `${value}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
      this.lastError = null;
    } catch (err) {
      this.lastError = `${(err as NodeJS.ErrnoException).code ?? ''} ${(err as Error).message}`.trim();
    }
    return value;
  }

  private read(): number | null {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return null;
    }
    const n = Number(text.trim());
    // An unreadable value restarts at 0 (next() after 255): a host accepts any bdSeq in an NBIRTH.
    return Number.isInteger(n) && n >= 0 && n <= 255 ? n : 255;
  }
}
