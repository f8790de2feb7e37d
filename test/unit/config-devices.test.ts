import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig, ConfigError, loadConfig } from '../../src/config/load.js';

const issuesOf = (raw: Record<string, unknown>) => {
  try {
    validateConfig(raw, 't.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.issues;
  }
  return [];
};

test('accelerometer ODR and range are validated against the configured part, with per-part defaults', () => {
  const bad = issuesOf({ gateway: { id: 'gw' }, robots: [{ id: 'r1', accelerometer: { driver: 'adxl355', bus: 1, address: 0x1d, odrHz: 3200, rangeG: 16 } }] });
  assert.deepEqual(bad.map((i) => i.path), ['/robots/0/accelerometer/odrHz', '/robots/0/accelerometer/rangeG']);
  assert.match(bad[0].message, /ADXL355 has no output data rate of 3200 Hz; it supports 4000, 2000, 1000, 500/);
  const ok = validateConfig({ gateway: { id: 'gw' }, robots: [{ id: 'r1', accelerometer: { driver: 'adxl355', bus: 1, address: 0x1d } }, { id: 'r2', accelerometer: { driver: 'adxl345', bus: 1, address: 0x53 } }] }, 't.yaml');
  assert.equal(ok.robots[0].accelerometer.odrHz, 1000);
  assert.equal(ok.robots[0].accelerometer.rangeG, 8);
  assert.equal(ok.robots[1].accelerometer.odrHz, 800);
  assert.equal(ok.robots[1].accelerometer.rangeG, 16);
  const hp = issuesOf({ gateway: { id: 'gw' }, robots: [{ id: 'r1', accelerometer: { driver: 'adxl345', bus: 1, address: 0x53, highPassCode: 2 } }] });
  assert.match(hp[0].message, /only the ADXL355 has a high-pass filter/);
});

test('counters: Met One channel limit, one setting per shared serial line, one use per GPIO line', () => {
  const issues = issuesOf({
    gateway: { id: 'gw' },
    alarmOutput: { enabled: true, gpio: 17 },
    robots: [{ id: 'r1', accelerometer: { driver: 'adxl355', bus: 1, address: 0x1d, interruptGpio: 17 } }],
    cleanroom: {
      counters: [
        { id: 'a', location: 'x', map: 'metone6000', transport: { kind: 'rtu', path: '/dev/ttyUSB0', baudRate: 19200 }, channelSizesUm: [0.1, 0.2, 0.3, 0.5, 1], cleanroom: { configuredClass: 5 } },
        { id: 'b', location: 'y', unitId: 2, transport: { kind: 'rtu', path: '/dev/ttyUSB0', baudRate: 9600 }, channelSizesUm: [0.5], cleanroom: { configuredClass: 5 } },
      ],
    },
  });
  const text = issues.map((i) => `${i.path}: ${i.message}`).join('\n');
  assert.match(text, /\/alarmOutput\/gpio: GPIO 17 is already used by r1\/accelerometer interrupt/);
  assert.match(text, /\/cleanroom\/counters\/0\/channelSizesUm: the Met One 6000 map has 4 size channels, 5 configured/);
  assert.match(text, /\/cleanroom\/counters\/1\/transport: \/dev\/ttyUSB0 is shared with another counter at 19200 none 1/);
});

test('the example Pi configuration is valid and describes the documented set-up', () => {
  const cfg = loadConfig(new URL('../../config/gateway.example.yaml', import.meta.url).pathname, {});
  const accels = cfg.robots.map((r) => r.accelerometer);
  assert.equal(accels.filter((a) => a.driver === 'adxl355' && a.bus === 1).length, 2);
  const lh = cfg.cleanroom.counters.find((c) => c.map === 'lighthouse')!;
  assert.deepEqual([lh.transport.kind, lh.transport.path, lh.transport.baudRate, lh.transport.parity, lh.transport.stopBits], ['rtu', '/dev/ttyUSB0', 19200, 'none', 1]);
  assert.equal(cfg.cleanroom.counters.find((c) => c.map === 'metone6000')?.transport.kind, 'tcp');
  assert.deepEqual([cfg.alarmOutput.enabled, cfg.alarmOutput.gpio], [true, 17]);
});
