import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { startBroker, skipWithoutMosquitto } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/stream-recorder.js';
import { skipWithoutTools } from '../helpers/skip.js';
import { freePort } from '../../simulators/free-port.js';
import { validateConfig } from '../../src/config/load.js';
import { systemClock } from '../../src/core/clock.js';
import { GatewayState } from '../../src/state/gateway-state.js';
import { MqttUplink } from '../../src/uplink/mqtt-uplink.js';

const openssl = (dir: string, ...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate, all made here with openssl. */
function makePki(dir: string, prefix: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${prefix} test CA`, '-keyout', `${prefix}-ca.key`, '-out', `${prefix}-ca.crt`);
  writeFileSync(join(dir, `${prefix}-server.ext`), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', `${prefix}-server.key`, '-out', `${prefix}-server.csr`);
  openssl(dir, 'x509', '-req', '-in', `${prefix}-server.csr`, '-CA', `${prefix}-ca.crt`, '-CAkey', `${prefix}-ca.key`, '-CAcreateserial', '-days', '2', '-extfile', `${prefix}-server.ext`, '-out', `${prefix}-server.crt`);
  writeFileSync(join(dir, `${prefix}-client.ext`), 'extendedKeyUsage=clientAuth\n');
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=gw-tls-01', '-keyout', `${prefix}-client.key`, '-out', `${prefix}-client.csr`);
  openssl(dir, 'x509', '-req', '-in', `${prefix}-client.csr`, '-CA', `${prefix}-ca.crt`, '-CAkey', `${prefix}-ca.key`, '-CAcreateserial', '-days', '2', '-extfile', `${prefix}-client.ext`, '-out', `${prefix}-client.crt`);
}

function uplinkFor(url: string, tls: Record<string, unknown>, stateDir: string, logs: string[]) {
  const config = validateConfig({ gateway: { id: 'gw-tls-01', stateDir }, mqtt: { url, tls, reconnectMinMs: 200, reconnectMaxMs: 500, password: 's3cret-pw', username: 'gw' } }, 'test');
  const log = pino({ level: 'debug' }, { write: (s: string) => logs.push(s) });
  const state = new GatewayState({ gatewayId: 'gw-tls-01', site: 'main' }, systemClock);
  return { uplink: new MqttUplink(config.mqtt, state, systemClock, log, { stateDir }), state };
}

test('mutual TLS with a test CA connects; an untrusted server certificate is refused', { skip: skipWithoutMosquitto() || skipWithoutTools(['openssl'], 'apt-get install openssl'), timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fabwatch-pki-'));
  makePki(dir, 'good');
  makePki(dir, 'rogue');
  // mosquitto (dropping to its own user when started as root) reads these test-only files.
  chmodSync(dir, 0o755);
  for (const n of readdirSync(dir)) chmodSync(join(dir, n), 0o644);
  const good = await freePort();
  const rogue = await freePort();
  const f = (n: string) => join(dir, n);
  const broker = await startBroker({
    extraConfig: [
      `listener ${good} 127.0.0.1`, `cafile ${f('good-ca.crt')}`, `certfile ${f('good-server.crt')}`, `keyfile ${f('good-server.key')}`, 'require_certificate true',
      `listener ${rogue} 127.0.0.1`, `cafile ${f('good-ca.crt')}`, `certfile ${f('rogue-server.crt')}`, `keyfile ${f('rogue-server.key')}`, 'require_certificate true',
    ].join('\n'),
  });
  t.after(() => broker.stop());
  await waitFor(async () => {
    try {
      const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${good}`, { ca: readFileSync(f('good-ca.crt')), cert: readFileSync(f('good-client.crt')), key: readFileSync(f('good-client.key')), reconnectPeriod: 0 });
      await c.endAsync();
      return true;
    } catch {
      return false;
    }
  }, 5000);

  // A TLS subscriber with its own client certificate.
  const sub = await mqtt.connectAsync(`mqtts://localhost:${good}`, { ca: readFileSync(f('good-ca.crt')), cert: readFileSync(f('good-client.crt')), key: readFileSync(f('good-client.key')) });
  t.after(() => sub.endAsync(true));
  const got: string[] = [];
  sub.on('message', (topic, p) => got.push(`${topic} ${p.toString()}`));
  await sub.subscribeAsync('factory/#', { qos: 1 });

  const tls = { ca: f('good-ca.crt'), cert: f('good-client.crt'), key: f('good-client.key'), servername: 'localhost' };
  const logsOk: string[] = [];
  const ok = uplinkFor(`mqtts://127.0.0.1:${good}`, tls, mkdtempSync(join(tmpdir(), 'fabwatch-state-')), logsOk);
  await ok.uplink.start();
  t.after(() => ok.uplink.stop());
  assert.ok(await waitFor(() => ok.uplink.connected, 10_000), `connects over mutual TLS (last error: ${ok.uplink.status().lastError})`);
  ok.uplink.publish('factory/main/robot-001/telemetry', { robot_id: 'robot-001', gateway_id: 'gw-tls-01' }, 'telemetry');
  assert.ok(await waitFor(() => got.some((m) => m.startsWith('factory/main/robot-001/telemetry') && m.includes('"seq":1')), 5000), 'a message crosses the TLS link');
  assert.ok(got.some((m) => m.includes('gateways/gw-tls-01/status') && m.includes('online')), 'retained online status');

  // The same client certificate, but the broker presents a certificate from a CA we do not trust.
  const logsBad: string[] = [];
  const bad = uplinkFor(`mqtts://127.0.0.1:${rogue}`, tls, mkdtempSync(join(tmpdir(), 'fabwatch-state-')), logsBad);
  await bad.uplink.start();
  t.after(() => bad.uplink.stop());
  assert.ok(await waitFor(() => bad.uplink.status().lastError !== null, 10_000), 'an error is reported');
  assert.equal(bad.uplink.connected, false, 'never connects to an untrusted broker');
  assert.match(bad.uplink.status().lastError!, /certificate|self.signed|issuer/i);

  // Without a client certificate the broker (require_certificate) refuses us.
  const logsNoCert: string[] = [];
  const noCert = uplinkFor(`mqtts://127.0.0.1:${good}`, { ca: f('good-ca.crt'), servername: 'localhost' }, mkdtempSync(join(tmpdir(), 'fabwatch-state-')), logsNoCert);
  await noCert.uplink.start();
  t.after(() => noCert.uplink.stop());
  await waitFor(() => noCert.uplink.status().lastError !== null, 5000);
  assert.equal(noCert.uplink.connected, false, 'no client certificate, no connection');

  // Secrets never reach the logs (password, key material).
  const key = readFileSync(f('good-client.key'), 'utf8').split('\n')[1];
  for (const line of [...logsOk, ...logsBad, ...logsNoCert]) {
    assert.ok(!line.includes('s3cret-pw'), 'password not logged');
    assert.ok(!line.includes(key), 'key not logged');
  }
  assert.ok(logsBad.some((l) => l.includes('uplink error')), 'the refusal is logged');
});
