/**
 * The primary host application's STATE (Sparkplug 3.0): retained JSON {"online": bool, "timestamp": ms}
 * on spBv1.0/STATE/{host_id}. A message older than the last one seen is stale (a retained copy
 * delivered late) and ignored.
 */
export interface HostState {
  online: boolean;
  timestamp: number;
}

export function parseHostState(payload: Buffer): HostState | null {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null) return null;
  const { online, timestamp } = body as { online?: unknown; timestamp?: unknown };
  if (typeof online !== 'boolean' || typeof timestamp !== 'number' || !Number.isFinite(timestamp)) return null;
  return { online, timestamp };
}

/** Tracks the host: `update()` says whether the state changed (stale messages never do). */
export class HostTracker {
  private last: HostState | null = null;

  get online(): boolean {
    return this.last?.online ?? false;
  }

  get state(): HostState | null {
    return this.last;
  }

  /** 'online' | 'offline' on a change, 'same' for a repeat, 'stale' for an older timestamp. */
  update(s: HostState): 'online' | 'offline' | 'same' | 'stale' {
    if (this.last && s.timestamp < this.last.timestamp) return 'stale';
    const was = this.last?.online;
    const newer = !this.last || s.timestamp > this.last.timestamp;
    this.last = s;
    if (s.online && (was !== true || newer)) return 'online';
    if (!s.online && was !== false) return 'offline';
    return 'same';
  }
}
