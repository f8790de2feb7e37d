import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, validateConfig, applyEnv, parseConfigText, ConfigError } from '../../src/config/load.js';
import { repoRoot } from '../helpers/gateway-process.js';

const tmp = mkdtempSync(join(tmpdir(), 'fabwatch-config-'));
function write(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

test('the shipped configs are valid and get defaults filled in', () => {
  const sim = loadConfig(join(repoRoot, 'config/simulated.yaml'), {});
  assert.equal(sim.gateway.site, 'main');
  assert.equal(sim.gateway.simulation, true);
  assert.deepEqual(sim.robots.map((r) => r.id), ['robot-001', 'robot-002', 'robot-003', 'robot-004']);
  assert.ok(sim.robots.every((r) => r.temperature), 'each robot has a temperature sensor');
  assert.equal(sim.api.port, 4000);
  assert.equal(sim.api.wsPort, 4001);
  assert.equal(sim.robots[0].accelerometer.rangeG, 16, 'default range');
  assert.equal(sim.robots[0].asset.bearing?.nBalls, 9, 'bearing geometry through $ref');
  assert.equal(sim.robots[0].analysis.zonePreset, 'group2_rigid', 'nested defaults');
  assert.ok(sim.cleanroom.counters.length >= 1);
  assert.ok(Object.isFrozen(sim.robots[0].accelerometer), 'validated config is frozen');
  const example = loadConfig(join(repoRoot, 'config/gateway.example.yaml'), {});
  assert.equal(example.gateway.simulation, false);
});

test('a minimal config needs only a gateway id', () => {
  const cfg = validateConfig({ gateway: { id: 'gw-1' } }, 'inline');
  assert.equal(cfg.gateway.site, 'main');
  assert.equal(cfg.mqtt.url, 'mqtt://localhost:1883');
  assert.deepEqual(cfg.robots, []);
});

test('every error is reported with its path, not just the first', () => {
  const raw = parseConfigText(
    `gateway: { id: "bad id!", site: main }
api: { port: 70000, colour: blue }
robots:
  - id: r1
    accelerometer: { driver: adxl999, bus: 1, address: 0x53, odrHz: 1234 }
  - id: r1
    accelerometer: { driver: adxl345, bus: 1, address: 0x53 }
`,
    'bad.yaml',
  );
  assert.throws(
    () => validateConfig(raw, 'bad.yaml'),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, 'CONFIG_INVALID');
      const paths = err.issues.map((i) => i.path);
      for (const p of ['/gateway/id', '/api/port', '/api/colour', '/robots/0/accelerometer/driver', '/robots/0/accelerometer/odrHz']) {
        assert.ok(paths.includes(p), `error listed for ${p}: ${JSON.stringify(err.issues)}`);
      }
      assert.ok(err.message.includes('/api/colour: unknown key'));
      return true;
    },
  );
});

test('cross-field rules: duplicate ids, I2C address clashes, RTU without a path', () => {
  const raw = {
    gateway: { id: 'gw' },
    robots: [
      { id: 'r1', accelerometer: { driver: 'adxl345', bus: 1, address: 0x53 } },
      { id: 'r1', accelerometer: { driver: 'adxl345', bus: 1, address: 0x53 } },
    ],
    cleanroom: { counters: [{ id: 'c', location: 'l', transport: { kind: 'rtu' }, channelSizesUm: [0.5, 0.3], cleanroom: { configuredClass: 5 } }] },
  };
  assert.throws(
    () => validateConfig(raw, 'x'),
    (err: unknown) => {
      const issues = (err as ConfigError).issues.map((i) => `${i.path} ${i.message}`).join('\n');
      assert.match(issues, /\/robots\/1\/id duplicate robot id/);
      assert.match(issues, /\/robots\/1\/accelerometer\/address I2C bus 1 address 0x53 is already used by r1\/accelerometer/);
      assert.match(issues, /transport\/path is required/);
      assert.match(issues, /channelSizesUm must be in increasing order/);
      return true;
    },
  );
});

test('environment variables of the prototype override the file', () => {
  const raw: Record<string, unknown> = { gateway: { id: 'gw' }, mqtt: { url: 'mqtt://broker.fab:1883' } };
  applyEnv(raw, { PORT: '5000', WS_PORT: '5001', MQTT_BROKER: 'edge-broker', MQTT_PORT: '8883', SIMULATION_MODE: 'true', MODEL_PATH: '/opt/m.onnx', NODE_ENV: 'test' });
  const cfg = validateConfig(raw, 'x');
  assert.equal(cfg.api.port, 5000);
  assert.equal(cfg.api.wsPort, 5001);
  assert.equal(cfg.mqtt.url, 'mqtt://edge-broker:8883');
  assert.equal(cfg.gateway.simulation, true);
  assert.equal(cfg.model.path, '/opt/m.onnx');
  assert.equal(cfg.gateway.environment, 'test');

  const raw2: Record<string, unknown> = { gateway: { id: 'gw' } };
  applyEnv(raw2, { MQTT_URL: 'mqtts://u:secret@h:8883', MQTT_BROKER: 'ignored' });
  assert.equal(validateConfig(raw2, 'x').mqtt.url, 'mqtts://u:secret@h:8883');
});

test('a bad environment value names the variable', () => {
  const raw: Record<string, unknown> = { gateway: { id: 'gw' } };
  const sources = applyEnv(raw, { PORT: 'eighty' });
  assert.throws(() => validateConfig(raw, 'x', sources), /\/api\/port: must be integer \(set by environment variable PORT\)/);
});

test('unparseable YAML is a config error, not a crash', () => {
  assert.throws(() => loadConfig(write('broken.yaml', 'gateway: [unclosed\n'), {}), (err: unknown) => err instanceof ConfigError && /cannot parse/.test(err.message));
  assert.throws(() => loadConfig(join(tmp, 'missing.yaml'), {}), /CONFIG_UNREADABLE|cannot read config file/);
});

function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env } });
}

test('fabwatch --check-config: exit 2 with every error printed; exit 0 when valid', () => {
  const bad = write('bad.json', JSON.stringify({ gateway: { id: '' }, api: { port: -1 }, robots: [{ id: 'r' }] }));
  const r = cli(['--check-config', bad]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /CONFIG_INVALID/);
  for (const p of ['/gateway/id', '/api/port', '/robots/0/accelerometer']) assert.ok(r.stderr.includes(p), `stderr names ${p}:\n${r.stderr}`);
  const ok = cli(['--check-config', join(repoRoot, 'config/simulated.yaml')]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /OK/);
});

test('fabwatch run with an invalid config exits 2 before starting anything', () => {
  const bad = write('bad2.yaml', 'gateway: { id: gw }\nmqtt: { qos: 2 }\n');
  const r = cli(['run', '--config', bad]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /\/mqtt\/qos/);
});

test('fabwatch --help and unknown options', () => {
  const help = cli(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--check-config FILE/);
  const bad = cli(['--frobnicate']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /Unknown option/);
});
