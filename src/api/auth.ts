import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { ApiAuthConfig, ApiRole } from '../config/types.js';
import { parseTokenHash, verifyToken, type ParsedHash } from './token-hash.js';
import { FabwatchError, ErrorCode } from '../core/errors.js';

export interface Principal {
  name: string;
  role: ApiRole | 'anonymous';
}

/** An access decision: allowed with a principal, or refused with HTTP status, stable code and reason. */
export type AccessDecision = { ok: true; principal: Principal } | { ok: false; status: 401 | 403; code: string; message: string };

const COMMAND_ROLES: ReadonlySet<string> = new Set(['technician', 'admin']);
const ANONYMOUS: Principal = { name: 'anonymous', role: 'anonymous' };

/** Where a request came from, for the audit log. */
export interface RequestOrigin {
  ip?: string;
  transport: 'rest' | 'ws';
  what: string;
}

/**
 * Access control of the local API. Reading is open on the LAN or needs a token (`api.auth.read`);
 * commands always need a token with role technician or admin. Tokens are configured as scrypt
 * hashes and compared in constant time; a token that verified once is remembered by its SHA-256
 * (bounded) so reads do not pay scrypt each time. Every failed login goes to the audit log.
 */
export class Authenticator {
  private readonly tokens: Array<{ name: string; role: ApiRole; hash: ParsedHash }>;
  private readonly verified = new Map<string, Principal>();

  constructor(private readonly cfg: ApiAuthConfig, private readonly audit: Logger, private readonly cacheSize = 64) {
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

  private async identify(token: string): Promise<Principal | null> {
    const digest = createHash('sha256').update(token).digest('hex');
    const cached = this.verified.get(digest);
    if (cached) return cached;
    // Check every configured token (no early exit) so timing does not say which one matched.
    let found: Principal | null = null;
    for (const t of this.tokens) {
      if (await verifyToken(token, t.hash)) found ??= { name: t.name, role: t.role };
    }
    if (found) {
      this.verified.set(digest, found);
      if (this.verified.size > this.cacheSize) this.verified.delete(this.verified.keys().next().value!);
    }
    return found;
  }

  private refuse(status: 401 | 403, code: string, message: string, origin: RequestOrigin, principal?: Principal): AccessDecision {
    this.audit.warn({ audit: status === 401 ? 'login_failure' : 'forbidden', code, ip: origin.ip, transport: origin.transport, what: origin.what, actor: principal?.name }, message);
    return { ok: false, status, code, message };
  }

  /** May this request read (GET endpoints, WebSocket stream)? */
  async authorizeRead(token: string | undefined, origin: RequestOrigin): Promise<AccessDecision> {
    if (!this.readNeedsToken) {
      if (token === undefined) return { ok: true, principal: ANONYMOUS };
      // A token offered on open reads is still checked: a wrong one is a login failure.
    } else if (token === undefined) {
      return this.refuse(401, 'TOKEN_REQUIRED', 'this gateway requires an API token for reading (Authorization: Bearer <token>)', origin);
    }
    const principal = await this.identify(token!);
    if (!principal) return this.refuse(401, 'TOKEN_INVALID', 'the API token is not valid', origin);
    return { ok: true, principal };
  }

  /** May this request send commands? Always needs a technician or admin token. */
  async authorizeCommand(token: string | undefined, origin: RequestOrigin): Promise<AccessDecision> {
    if (!this.commandsEnabled) {
      return this.refuse(403, 'COMMANDS_DISABLED', 'commands are disabled: no API token with role technician or admin is configured (create one with `fabwatch hash-token` and add it under api.auth.tokens)', origin);
    }
    if (token === undefined) return this.refuse(401, 'TOKEN_REQUIRED', 'commands need an API token with role technician or admin (Authorization: Bearer <token>)', origin);
    const principal = await this.identify(token);
    if (!principal) return this.refuse(401, 'TOKEN_INVALID', 'the API token is not valid', origin);
    if (!COMMAND_ROLES.has(principal.role)) return this.refuse(403, 'ROLE_FORBIDDEN', `token "${principal.name}" has role ${principal.role}; commands need technician or admin`, origin, principal);
    return { ok: true, principal };
  }
}
