import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startBareApi, wsClient, post, get, bearer, TOKENS, tokenEntries, simulatedConfig } from '../helpers/api-fixture.js';
import { repoRoot } from '../helpers/gateway-process.js';
import { hashToken, parseTokenHash, verifyToken } from '../../src/api/token-hash.js';
import { ConfigError } from '../../src/config/load.js';

const auth = async (read: 'open' | 'token', withTokens = true) => ({ read, tokens: withTokens ? await tokenEntries() : [] });

test('read: token — every read needs a valid token; the page, /health and /openapi.json stay public', async (t) => {
  const a = await startBareApi({ auth: await auth('token') });
  t.after(() => a.stop());
  const none = await get(`${a.base}/api/robots`);
  assert.equal(none.status, 401);
  assert.equal(none.body.error.code, 'TOKEN_REQUIRED');
  assert.equal((await get(`${a.base}/api/robots`, bearer('bad-token-123456'))).body.error.code, 'TOKEN_INVALID');
  for (const tok of [TOKENS.viewer, TOKENS.tech, TOKENS.admin]) assert.equal((await get(`${a.base}/api/robots`, bearer(tok))).status, 200);
  for (const path of ['/api/robots/robot-001', '/api/telemetry/latest', '/api/cleanroom/status', '/api/alerts', '/api/alerts/active', '/api/commands', '/metrics', '/api/robots/robot-001/history']) {
    assert.equal((await get(`${a.base}${path}`)).status, 401, path);
  }
  for (const path of ['/health', '/openapi.json', '/']) assert.equal((await get(`${a.base}${path}`)).status, 200, path);

  // WebSocket: refused with a reason frame and close 4401, admitted with ?token=.
  const c = await wsClient(a.ws);
  const closed = await c.closed;
  assert.equal(closed.code, 4401);
  assert.equal(c.frames[0].payload.code, 'TOKEN_REQUIRED');
  const bad = await wsClient(`${a.ws}?token=nope-nope-nope`);
  assert.equal((await bad.closed).code, 4401);
  assert.equal(bad.frames[0].payload.code, 'TOKEN_INVALID');
  const ok = await wsClient(`${a.ws}?token=${TOKENS.viewer}`);
  assert.equal((await ok.next((f) => f.type === 'init')).payload.robots.length, 4);
  // A viewer connection cannot command; a technician token in the frame can.
  ok.ws.send(JSON.stringify({ type: 'command', robot_id: 'robot-001', command: 'stop_acquisition', id: 'v1' }));
  assert.equal((await ok.next((f) => f.type === 'error' && f.payload.id === 'v1')).payload.code, 'ROLE_FORBIDDEN');
  ok.ws.send(JSON.stringify({ type: 'command', robot_id: 'robot-001', command: 'stop_acquisition', id: 'v2', token: TOKENS.tech }));
  assert.equal((await ok.next((f) => f.type === 'command_result')).payload.status, 'ok');
  ok.ws.close();
  assert.ok(a.lines.some((l) => l.component === 'audit' && l.audit === 'login_failure' && l.transport === 'ws' && l.what === 'connect'));
});

test('read: open — no token needed to read, but a wrong token offered is a login failure', async (t) => {
  const a = await startBareApi({ auth: await auth('open') });
  t.after(() => a.stop());
  assert.equal((await get(`${a.base}/api/robots`)).status, 200);
  assert.equal((await get(`${a.base}/api/robots`, bearer(TOKENS.viewer))).status, 200);
  const wrong = await get(`${a.base}/api/robots`, bearer('wrong-token-000000'));
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error.code, 'TOKEN_INVALID');
});

test('no tokens configured: commands are refused with a clear message (no default password)', async (t) => {
  const a = await startBareApi({ auth: await auth('open', false) });
  t.after(() => a.stop());
  for (const headers of [{}, bearer(TOKENS.tech), bearer('admin')]) {
    const r = await post(`${a.base}/api/robots/robot-001/command`, { command: 'stop_acquisition' }, headers);
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'COMMANDS_DISABLED');
    assert.match(r.body.error.message, /no API token.*fabwatch hash-token/);
  }
  const c = await wsClient(a.ws);
  c.ws.send(JSON.stringify({ type: 'command', robot_id: 'robot-001', command: 'stop_acquisition', token: TOKENS.tech, id: 'x' }));
  assert.equal((await c.next((f) => f.type === 'error')).payload.code, 'COMMANDS_DISABLED');
  c.ws.close();
  assert.ok(a.lines.some((l) => l.level === 40 && /commands are refused/.test(l.msg)), 'said so at start-up');
  assert.equal(a.lines.filter((l) => l.component === 'audit' && l.code === 'COMMANDS_DISABLED').length, 4);
});

test('command rate limit (REST and WebSocket): 429 RATE_LIMITED as JSON, audited', async (t) => {
  const a = await startBareApi({ auth: await auth('open'), commandRateLimit: { max: 3, windowS: 60 } });
  t.after(() => a.stop());
  const url = `${a.base}/api/robots/robot-001/command`;
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await post(url, { command: 'start_acquisition' }, bearer(TOKENS.tech))).status);
  assert.deepEqual(statuses, [200, 200, 200, 429]);
  const limited = await post(url, { command: 'start_acquisition' }, bearer(TOKENS.tech));
  assert.equal(limited.body.error.code, 'RATE_LIMITED');
  assert.ok(limited.headers.get('retry-after'));
  // Unauthenticated attempts count too (a token cannot be guessed at full speed).
  assert.equal((await post(url, { command: 'start_acquisition' })).status, 429);
  // Reads are not limited.
  assert.equal((await get(`${a.base}/api/robots`)).status, 200);
  const c = await wsClient(a.ws);
  const results: string[] = [];
  for (let i = 0; i < 4; i++) {
    c.ws.send(JSON.stringify({ type: 'command', robot_id: 'robot-001', command: 'start_acquisition', token: TOKENS.tech, id: `r${i}` }));
    const f = await c.next((x) => (x.type === 'command_result' || x.type === 'error') && x.payload.id === `r${i}`);
    results.push(f.type === 'error' ? f.payload.code : f.payload.status);
  }
  assert.deepEqual(results, ['ok', 'ok', 'ok', 'RATE_LIMITED']);
  c.ws.close();
  assert.ok(a.lines.filter((l) => l.component === 'audit' && l.audit === 'rate_limited').length >= 2);
});

test('WebSocket connection limit and the WS port answering plain HTTP', async (t) => {
  const a = await startBareApi({ wsMaxClients: 2 });
  t.after(() => a.stop());
  const c1 = await wsClient(a.ws);
  const c2 = await wsClient(a.ws);
  await assert.rejects(wsClient(a.ws), /503/);
  c1.ws.close();
  await c1.closed;
  await new Promise((r) => setTimeout(r, 50));
  const c3 = await wsClient(a.ws);
  c2.ws.close();
  c3.ws.close();
  const plain = await get(a.ws.replace('ws:', 'http:'));
  assert.equal(plain.status, 426);
  assert.equal(plain.body.error.code, 'UPGRADE_REQUIRED');
});

test('token hashes: scrypt round trip, constant-time verify, malformed hashes and clear-text tokens rejected', async () => {
  const hash = await hashToken('some-long-token-value');
  assert.match(hash, /^scrypt\$16384\$8\$1\$/);
  assert.notEqual(await hashToken('some-long-token-value'), hash, 'salted');
  const parsed = parseTokenHash(hash)!;
  assert.equal(await verifyToken('some-long-token-value', parsed), true);
  assert.equal(await verifyToken('some-long-token-valuf', parsed), false);
  for (const bad of ['secret', 'scrypt$3$8$1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==', 'scrypt$16384$8$1$QQ==$AAAAAAAAAAAAAAAAAAAAAA==', 'sha256$abc']) assert.equal(parseTokenHash(bad), null, bad);
  await assert.rejects(
    simulatedConfig((raw) => (raw.api.auth = { tokens: [{ name: 'x', role: 'technician', hash: 'my-clear-password' }] })),
    (err: unknown) => err instanceof ConfigError && /\/api\/auth\/tokens\/0\/hash/.test(err.message),
  );
  await assert.rejects(simulatedConfig((raw) => (raw.api.auth = { tokens: [{ name: 'x', role: 'root', hash }] })), ConfigError);
});

test('fabwatch hash-token prints a config entry whose hash verifies the token read from stdin', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'hash-token', '--name', 'dana', '--role', 'admin'], { input: 'a-token-from-stdin-42\n', encoding: 'utf8', cwd: repoRoot });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /- name: dana\n {2}role: admin\n {2}hash: "scrypt\$/);
  const hash = /hash: "([^"]+)"/.exec(r.stdout)![1];
  assert.ok(!r.stdout.includes('a-token-from-stdin-42'), 'the token itself is not printed');
  return verifyToken('a-token-from-stdin-42', parseTokenHash(hash)!).then((ok) => assert.equal(ok, true));
});

test('fabwatch hash-token refuses short tokens and bad roles; --generate prints a new token once', () => {
  const run = (args: string[], input = '') => spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'hash-token', ...args], { input, encoding: 'utf8', cwd: repoRoot });
  assert.equal(run([], 'short\n').status, 2);
  assert.equal(run(['--role', 'root'], 'long-enough-token\n').status, 2);
  const g = run(['--generate']);
  assert.equal(g.status, 0);
  assert.match(g.stderr, /token \(give it to its holder.*\): [A-Za-z0-9_-]{43}/);
});
