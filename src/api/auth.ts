import { createHash } from 'node:crypto';
import type { AuditLog } from '../core/audit.js';
import type { Clock } from '../core/clock.js';
import { FixedWindowLimiter } from './ws-guard.js';
import type { ApiAuthConfig, ApiRole } from '../config/types.js';
import { parseTokenHash, verifyToken, type ParsedHash } from './token-hash.js';
import { FabwatchError, ErrorCode } from '../core/errors.js';

export interface Principal {
  name: string;
  role: ApiRole | 'anonymous';
}

/** An access decision: allowed with a principal, or refused with HTTP status, stable code and reason. */
export type AccessDecision = { ok: true; principal: Principal } | { ok: false; status: 401 | 403 | 429; code: string; message: string };

/** Failed logins allowed per client address and window before tokens from it are refused unchecked. */
export interface AuthFailureLimit {
  max: number;
  windowMs: number;
}

const COMMAND_ROLES: ReadonlySet<string> = new Set(['technician', 'admin']);
const ANONYMOUS: Principal = { name: 'anonymous', role: 'anonymous' };

/** Where a request came from, for the audit log. */
export interface RequestOrigin {
  ip?: string;
  transport: 'rest' | 'ws' | 'mqtt';
  what: string;
}

/**
 * Access control of the local API. Reading is open on the LAN or needs a token (`api.auth.read`);
 * commands always need a token with role technician or admin. Tokens are configured as scrypt
 * hashes and compared in constant time; a token that verified once is remembered by its SHA-256
 * (bounded) so reads do not pay scrypt each time. Every failed login goes to the audit log.
 *
 * A wrong token costs a scrypt (~50 ms of CPU, on the thread that also samples). So an address
 * with `failures.max` failed logins in the window is refused with 429 AUTH_RATE_LIMITED before
 * any scrypt runs, until the window ends; one audit line says so per address and window (the
 * refusals after it are counted in `rateLimitedLogins`, not logged one by one).
 */
export class Authenticator {
  private readonly tokens: Array<{ name: string; role: ApiRole; hash: ParsedHash }>;
  private readonly verified = new Map<string, Principal>();
  private readonly failures: FixedWindowLimiter;
  /** Logins refused by the failure limit without checking the token. */
  rateLimitedLogins = 0;

  constructor(private readonly cfg: ApiAuthConfig, private readonly audit: AuditLog, clock: Clock, failures: AuthFailureLimit = { max: 10, windowMs: 60_000 }, private readonly cacheSize = 64) {
    this.failures = new FixedWindowLimiter(clock, failures.max, failures.windowMs);
    this.tokens = cfg.tokens.map((t, i) => {
      const hash = parseTokenHash(t.hash);
      if (!hash) throw new FabwatchError(ErrorCode.CONFIG_INVALID, `/api/auth/tokens/${i}/hash ("${t.name}"): not a usable scrypt$N$r$p$salt$key hash (N a power of two up to 2^20, salt >= 8 bytes, key >= 16 bytes); make one with fabwatch hash-token`);
      return { name: t.name, role: t.role, hash };
    });
  }

  get readNeedsToken(): boolean {
    return this.cfg.read === 'token';
  }

  get commandsEnabled(): boolean {
    return this.tokens.some((t) => COMMAND_ROLES.has(t.role));
  }

  /** Extract a bearer token from an Authorization header value. */
  static bearer(header: string | undefined): string | undefined {
    if (!header) return undefined;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m ? m[1] : undefined;
  }

  /** The token's principal, null when it matches none, or 'limited' when its address is over the failure limit. */
  private async identify(token: string, origin: RequestOrigin): Promise<Principal | null | 'limited'> {
    const digest = createHash('sha256').update(token).digest('hex');
    const cached = this.verified.get(digest);
    if (cached) return cached;
    const ip = origin.ip ?? 'unknown';
    if (this.failures.exhausted(ip)) return 'limited';
    // Check every configured token (no early exit) so timing does not say which one matched.
    let found: Principal | null = null;
    for (const t of this.tokens) {
      if (await verifyToken(token, t.hash)) found ??= { name: t.name, role: t.role };
    }
    if (found) {
      this.verified.set(digest, found);
      if (this.verified.size > this.cacheSize) this.verified.delete(this.verified.keys().next().value!);
    } else this.failures.take(ip);
    return found;
  }

  private refuse(status: 401 | 403, code: string, message: string, origin: RequestOrigin, principal?: Principal): AccessDecision {
    this.audit.record({ event: status === 401 ? 'login_failure' : 'forbidden', transport: origin.transport, ip: origin.ip, actor: principal?.name, what: origin.what, code }, message);
    return { ok: false, status, code, message };
  }

  private limited(origin: RequestOrigin): AccessDecision {
    this.rateLimitedLogins++;
    const message = 'too many failed logins from this address; retry later';
    if (this.failures.firstRefusal(origin.ip ?? 'unknown')) this.audit.record({ event: 'rate_limited', transport: origin.transport, ip: origin.ip, what: origin.what, code: 'AUTH_RATE_LIMITED' }, `${message} (further refusals in this window are counted, not logged)`);
    return { ok: false, status: 429, code: 'AUTH_RATE_LIMITED', message };
  }

  /** Identify a token or refuse: invalid (401), or its address over the failure limit (429). */
  private async check(token: string, origin: RequestOrigin): Promise<AccessDecision> {
    const principal = await this.identify(token, origin);
    if (principal === 'limited') return this.limited(origin);
    if (!principal) return this.refuse(401, 'TOKEN_INVALID', 'the API token is not valid', origin);
    return { ok: true, principal };
  }

  /** May this request read (GET endpoints, WebSocket stream)? */
  async authorizeRead(token: string | undefined, origin: RequestOrigin): Promise<AccessDecision> {
    if (!this.readNeedsToken) {
      if (token === undefined) return { ok: true, principal: ANONYMOUS };
      // A token offered on open reads is still checked: a wrong one is a login failure.
    } else if (token === undefined) {
      return this.refuse(401, 'TOKEN_REQUIRED', 'this gateway requires an API token for reading (Authorization: Bearer <token>)', origin);
    }
    return this.check(token!, origin);
  }

  /** May this request send commands? Always needs a technician or admin token. */
  async authorizeCommand(token: string | undefined, origin: RequestOrigin): Promise<AccessDecision> {
    if (!this.commandsEnabled) {
      return this.refuse(403, 'COMMANDS_DISABLED', 'commands are disabled: no API token with role technician or admin is configured (create one with `fabwatch hash-token` and add it under api.auth.tokens)', origin);
    }
    if (token === undefined) return this.refuse(401, 'TOKEN_REQUIRED', 'commands need an API token with role technician or admin (Authorization: Bearer <token>)', origin);
    const d = await this.check(token, origin);
    if (!d.ok) return d;
    const principal = d.principal;
    if (!COMMAND_ROLES.has(principal.role)) return this.refuse(403, 'ROLE_FORBIDDEN', `token "${principal.name}" has role ${principal.role}; commands need technician or admin`, origin, principal);
    return { ok: true, principal };
  }
}
