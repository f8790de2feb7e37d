import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * API tokens are configured as scrypt hashes, never in clear: `scrypt$N$r$p$salt$key` (salt and
 * key base64). `fabwatch hash-token` prints one; the API compares in constant time.
 */
const DEFAULTS = { N: 16384, r: 8, p: 1, keyLen: 32 };

function scrypt(secret: string, salt: Buffer, keyLen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(secret, salt, keyLen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

export function parseTokenHash(hash: string): ParsedHash | null {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(hash);
  if (!m) return null;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // N must be a power of two > 1; bound the cost so a config typo cannot stall the gateway.
  if (N < 2 || (N & (N - 1)) !== 0 || N > 1 << 20 || r < 1 || r > 32 || p < 1 || p > 16) return null;
  const salt = Buffer.from(m[4], 'base64');
  const key = Buffer.from(m[5], 'base64');
  if (salt.length < 8 || key.length < 16) return null;
  return { N, r, p, salt, key };
}

export async function hashToken(token: string, opts: Partial<typeof DEFAULTS> = {}): Promise<string> {
  const { N, r, p, keyLen } = { ...DEFAULTS, ...opts };
  const salt = randomBytes(16);
  const key = await scrypt(token, salt, keyLen, { N, r, p, maxmem: 256 * N * r });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether `token` matches `hash`; the key comparison is constant-time (timingSafeEqual). */
export async function verifyToken(token: string, parsed: ParsedHash): Promise<boolean> {
  const key = await scrypt(token, parsed.salt, parsed.key.length, { N: parsed.N, r: parsed.r, p: parsed.p, maxmem: 256 * parsed.N * parsed.r });
  return timingSafeEqual(key, parsed.key);
}

/** A random token for `fabwatch hash-token --generate` (256 bits, URL-safe). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}
