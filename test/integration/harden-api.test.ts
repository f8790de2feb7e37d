import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import WebSocket from 'ws';
import { startBareApi, wsClient, post, get, bearer, TOKENS, tokenEntries } from '../helpers/api-fixture.js';

/** Issue #19 items 6, 8, 10, 12 and the one command path, through real HTTP and WebSocket clients. */

/** A request with exactly these headers and method (fetch would refuse some of them). */
function raw(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b ? JSON.parse(b) : undefined }));
    });
    r.on('error', reject);
    r.end();
  });
}

test('REST command bodies are not coerced: what WebSocket and MQTT refuse, REST refuses', async (t) => {
  let stops = 0;
  const a = await startBareApi({ auth: { read: 'open', tokens: await tokenEntries() } });
  t.after(() => a.stop());
  a.state.on('robot_update', () => stops++);
  const url = `${a.base}/api/robots/robot-001/command`;
  const arr = await post(url, { command: ['set_maintenance_mode'], parameters: { enabled: true } }, bearer(TOKENS.tech));
  assert.equal(arr.status, 400);
  assert.match(arr.body.error.message, /command must be string/);
  const numId = await post(url, { command: 'set_maintenance_mode', parameters: { enabled: true }, id: 12345 }, bearer(TOKENS.tech));
  assert.equal(numId.status, 400);
  assert.match(numId.body.error.message, /id must be string/);
  assert.equal(a.state.robot('robot-001')!.maintenance, false, 'neither ran');
  // The same body over WebSocket gets the same answer.
  const c = await wsClient(a.ws);
  t.after(() => c.ws.terminate());
  c.ws.send(JSON.stringify({ type: 'command', robot_id: 'robot-001', command: ['set_maintenance_mode'], token: TOKENS.tech }));
  assert.match((await c.next((f) => f.type === 'error')).payload.message, /command must be string/);
  // Query strings still take numbers as text.
  assert.equal((await get(`${a.base}/api/telemetry/latest?limit=5`)).status, 200);
});

test('wrong tokens: after api.authFailureLimit per address, 429 before any scrypt; one audit line per window', async (t) => {
  const a = await startBareApi({ auth: { read: 'open', tokens: await tokenEntries() }, authFailureLimit: { max: 3, windowS: 60 } });
  t.after(() => a.stop());
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await get(`${a.base}/api/robots`, bearer(`wrong-token-${i}`))).status);
  assert.deepEqual(statuses, [401, 401, 401, 429, 429, 429]);
  const limited = await get(`${a.base}/api/robots`, bearer('wrong-token-x'));
  assert.equal(limited.body.error.code, 'AUTH_RATE_LIMITED');
  assert.ok(limited.headers.get('retry-after'));
  // WebSocket ?token= is the same login.
  const c = new WebSocket(`${a.ws}?token=wrong-token-ws`);
  const closed = await new Promise<number>((resolve) => c.once('close', (code) => resolve(code)));
  assert.equal(closed, 4429);
  const audit = a.lines.filter((l) => l.component === 'audit');
  assert.equal(audit.filter((l) => l.audit === 'login_failure').length, 3, 'failures before the limit are audited one by one');
  assert.equal(audit.filter((l) => l.audit === 'rate_limited' && l.code === 'AUTH_RATE_LIMITED').length, 1, 'then one line for the window');
  assert.equal(a.api.auth.rateLimitedLogins, 5);
  // Reads without a token are not affected (read: open).
  assert.equal((await get(`${a.base}/api/robots`)).status, 200);
});

test('WebSocket admission is counted from the handshake: concurrent connects cannot exceed the caps', async (t) => {
  const a = await startBareApi({ auth: { read: 'token', tokens: await tokenEntries() }, wsMaxClients: 5, wsMaxClientsPerAddress: 100 });
  t.after(() => a.stop());
  const attempt = () =>
    new Promise<'open' | number>((resolve) => {
      const ws = new WebSocket(`${a.ws}?token=${TOKENS.viewer}`);
      ws.once('open', () => resolve('open'));
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => resolve(0));
      t.after(() => ws.terminate());
    });
  const results = await Promise.all(Array.from({ length: 20 }, attempt));
  assert.equal(results.filter((r) => r === 'open').length, 5, `5 admitted (${results.join(',')})`);
  assert.equal(results.filter((r) => r === 503).length, 15);

  const b = await startBareApi({ wsMaxClients: 100, wsMaxClientsPerAddress: 2 });
  t.after(() => b.stop());
  const one = await wsClient(b.ws);
  const two = await wsClient(b.ws);
  const refused = await raw(b.api.ports.ws, 'GET', '/', { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' });
  assert.equal(refused.status, 503);
  assert.equal(refused.body.error.code, 'TOO_MANY_CLIENTS');
  one.ws.close();
  await one.closed;
  await new Promise((r) => setTimeout(r, 100));
  const three = await wsClient(b.ws);
  assert.ok(three.ws.readyState === WebSocket.OPEN, 'a closed connection frees its place');
  two.ws.terminate();
  three.ws.terminate();
});

test('DNS rebinding: a Host this gateway does not serve is refused (REST and WebSocket); configured names pass', async (t) => {
  const a = await startBareApi({ allowedHosts: ['gw-07.fab.example'] });
  t.after(() => a.stop());
  const port = a.api.ports.rest;
  const evil = await raw(port, 'GET', '/api/robots', { host: 'evil.example:4000', origin: 'http://evil.example:4000' });
  assert.equal(evil.status, 421);
  assert.equal(evil.body.error.code, 'HOST_FORBIDDEN');
  assert.equal((await raw(port, 'GET', '/api/robots', { host: 'gw-07.fab.example:4000' })).status, 200);
  assert.equal((await raw(port, 'GET', '/api/robots', { host: `127.0.0.1:${port}` })).status, 200);
  const ws = await raw(a.api.ports.ws, 'GET', '/', { host: 'evil.example', connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' });
  assert.equal(ws.status, 421);
  assert.ok(a.lines.some((l) => l.component === 'audit' && l.code === 'HOST_FORBIDDEN'));
});

test('replies made outside the routes (414, 431, unknown method, bare OPTIONS) keep the JSON error shape', async (t) => {
  const a = await startBareApi();
  t.after(() => a.stop());
  const port = a.api.ports.rest;
  const long = await raw(port, 'GET', `/api/robots/${'a'.repeat(200)}`);
  assert.equal(long.status, 414);
  assert.equal(long.body.error.code, 'URI_TOO_LONG');
  const big = await raw(port, 'GET', '/api/robots', { 'x-big': 'a'.repeat(20_000) });
  assert.equal(big.status, 431);
  assert.equal(big.body.error.code, 'HEADERS_TOO_LARGE');
  const propfind = await raw(port, 'PROPFIND', '/');
  assert.equal(propfind.status, 404);
  assert.equal(propfind.body.error.code, 'NOT_FOUND');
  const foo = await raw(port, 'FOO', '/');
  assert.equal(foo.status, 400);
  assert.equal(foo.body.error.code, 'BAD_REQUEST');
  assert.equal((await raw(port, 'OPTIONS', '/api/robots')).status, 204, 'a bare OPTIONS is answered, not a text 400');
});

test('POST /api/alerts/:id/acknowledge goes through the command service: id de-duplication, TTL, audit', async (t) => {
  const a = await startBareApi({ auth: { read: 'open', tokens: await tokenEntries() } });
  t.after(() => a.stop());
  const alert = a.state.raiseAlert({ source: 'counter:pc-1', code: 'TEST', severity: 'warning', message: 'm' });
  const url = `${a.base}/api/alerts/${encodeURIComponent(alert.id)}/acknowledge`;
  const first = await post(url, { id: 'ack-1' }, bearer(TOKENS.tech));
  assert.equal(first.status, 200);
  assert.equal(first.body.acknowledged, true);
  assert.equal((await post(url, { id: 'ack-1' }, bearer(TOKENS.tech))).status, 200);
  const old = await post(url, { id: 'ack-2', issued_at: '2020-01-01T00:00:00Z' }, bearer(TOKENS.tech));
  assert.equal(old.status, 400);
  assert.equal(old.body.error.code, 'EXPIRED');
  const audit = a.lines.filter((l) => l.component === 'audit' && l.command === 'acknowledge_gateway_alert');
  assert.ok(audit.some((l) => l.audit === 'command' && l.id === 'ack-1' && l.duplicate === true), 'the repeat is recognised');
  assert.ok(audit.every((l) => l.transport === 'rest' && !('source' in l)), 'one field set');
});

test('reads are rate-limited per address (api.readRateLimit): 429 RATE_LIMITED with retry-after; /health is not', async (t) => {
  const a = await startBareApi({ readRateLimit: { max: 3, windowS: 60 } });
  t.after(() => a.stop());
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await get(`${a.base}/api/telemetry/latest?limit=10`)).status);
  assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  const limited = await get(`${a.base}/api/robots`);
  assert.equal(limited.body.error.code, 'RATE_LIMITED');
  assert.equal(limited.headers.get('retry-after'), '60');
  assert.equal((await get(`${a.base}/health`)).status, 200, 'public routes are not limited');
});
