import { parseArgs } from 'node:util';
import { generateToken, hashToken } from '../api/token-hash.js';

const USAGE = `usage: fabwatch hash-token [--generate] [--name NAME] [--role viewer|technician|admin]

Prints the scrypt hash of an API token for api.auth.tokens in the config. The token is read
from standard input (one line; not from the command line, so it stays out of shell history),
or made up with --generate (printed once: hand it to its holder, it is not stored).
`;

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** `fabwatch hash-token`: print a config entry with the token's hash. Returns the exit code. */
export async function hashTokenCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { generate: { type: 'boolean' }, name: { type: 'string' }, role: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    process.stderr.write(`fabwatch hash-token: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const role = values.role ?? 'technician';
  if (!['viewer', 'technician', 'admin'].includes(role)) {
    process.stderr.write(`fabwatch hash-token: --role must be viewer, technician or admin\n`);
    return 2;
  }
  const token = values.generate ? generateToken() : await readStdinLine();
  if (token.length < 12) {
    process.stderr.write('fabwatch hash-token: the token must be at least 12 characters (or use --generate)\n');
    return 2;
  }
  const hash = await hashToken(token);
  if (values.generate) process.stderr.write(`token (give it to its holder; it is not stored anywhere): ${token}\n`);
  process.stdout.write(`# api.auth.tokens entry\n- name: ${values.name ?? role}\n  role: ${role}\n  hash: "${hash}"\n`);
  return 0;
}
