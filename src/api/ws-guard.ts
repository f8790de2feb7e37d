import { hostname } from 'node:os';
import { isIP } from 'node:net';
import type { Clock } from '../core/clock.js';

/**
 * Whether a WebSocket handshake's Origin may connect. Browsers always send Origin, so this stops
 * a page from another site (opened on the technician's laptop) from reading the stream or
 * sending commands with their token (cross-site WebSocket hijacking). Allowed: no Origin (not a
 * browser: scripts, the dashboard backend), an origin listed in api.corsOrigins (or '*'), or the
 * gateway's own page (origin host = the handshake's Host, on the WS or the REST port).
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[], restPort: number): boolean {
  if (origin === undefined) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false;
  }
  if (!host) return false;
  if (o.host === host) return true;
  const hostname = host.replace(/:\d+$/, '');
  const port = o.port || (o.protocol === 'https:' ? '443' : '80');
  return o.hostname === hostname && Number(port) === restPort;
}

/** A fixed-window counter per key (client address): the WebSocket side of the command rate limit. */
export class FixedWindowLimiter {
  private readonly windows = new Map<string, { start: number; count: number; logged?: boolean }>();

  constructor(private readonly clock: Clock, private readonly max: number, private readonly windowMs: number, private readonly maxKeys = 10_000) {}

  private current(key: string): { start: number; count: number; logged?: boolean } | undefined {
    const w = this.windows.get(key);
    return w && this.clock.now() - w.start < this.windowMs ? w : undefined;
  }

  /** True when the key has used up its window (without counting a hit). */
  exhausted(key: string): boolean {
    return (this.current(key)?.count ?? 0) >= this.max;
  }

  /** True once per window for a key that has used it up: the moment to log the refusals. */
  firstRefusal(key: string): boolean {
    const w = this.current(key);
    if (!w || w.count < this.max || w.logged) return false;
    w.logged = true;
    return true;
  }

  /** Count one hit; false when the key is over its limit for the current window. */
  take(key: string): boolean {
    const now = this.clock.now();
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, count: 0 };
      this.windows.delete(key);
      this.windows.set(key, w);
      if (this.windows.size > this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
    }
    w.count++;
    return w.count <= this.max;
  }
}

/**
 * Whether a request's Host names this gateway (DNS-rebinding defence): an IP address, localhost,
 * this machine's host name (also with .local / .lan), or a name in api.allowedHosts ('*' allows
 * any). Checked for REST and WebSocket alike.
 */
export function hostAllowed(host: string | undefined, allowed: readonly string[], machine = hostname()): boolean {
  if (!host) return true; // HTTP/1.0 without Host: not a browser
  if (allowed.includes('*')) return true;
  let name: string;
  try {
    name = new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  if (isIP(name) || name === 'localhost' || name.endsWith('.localhost')) return true;
  const m = machine.toLowerCase();
  if (name === m || name === `${m}.local` || name === `${m}.lan`) return true;
  return allowed.some((a) => a.toLowerCase() === name);
}

/** WebSocket admission: at most `max` sockets at once, `perAddress` from one address; counted from the handshake. */
export class WsAdmission {
  private total = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly max: number, private readonly perAddress: number) {}

  get count(): number {
    return this.total;
  }

  admit(ip: string): { ok: true; release: () => void } | { ok: false; message: string } {
    if (this.total >= this.max) return { ok: false, message: `at most ${this.max} WebSocket clients (api.wsMaxClients)` };
    const mine = this.byAddress.get(ip) ?? 0;
    if (mine >= this.perAddress) return { ok: false, message: `at most ${this.perAddress} WebSocket clients from one address (api.wsMaxClientsPerAddress)` };
    this.total++;
    this.byAddress.set(ip, mine + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const n = (this.byAddress.get(ip) ?? 1) - 1;
        if (n > 0) this.byAddress.set(ip, n);
        else this.byAddress.delete(ip);
      },
    };
  }
}
