import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { systemClock } from '../../src/core/clock.js';
import { validateConfig } from '../../src/config/load.js';
import { createGateway } from '../../src/gateway.js';
import { lightsOutput } from '../../src/outputs/stack-light.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await sleep(20);
  }
}

test('simulated gateway: device faults show in /health and as alerts, drive the stack light, and recover by themselves', { timeout: 60_000 }, async (t) => {
  const config = validateConfig(
    {
      gateway: { id: 'gw-dev', simulation: true },
      // The test reaches the I2C simulator in process (gw.simulators.i2c); the worker's own test is acquisition-worker.test.ts.
      acquisition: { thread: 'main' },
      mqtt: { enabled: false },
      api: { enabled: false },
      alarmOutput: { enabled: true, gpio: 17 },
      i2cBuses: [{ bus: 3, speedHz: 100_000 }],
      robots: [
        { id: 'r1', accelerometer: { driver: 'adxl355', bus: 1, address: 0x1d, odrHz: 1000, rangeG: 2, interruptGpio: 27, pollIntervalMs: 20 }, analysis: { windowSize: 512 } },
        // An ADXL345 whose 100 ms poll alone would overrun its FIFO (80 ms at 400 Hz): drained on its watermark interrupt.
        { id: 'r2', accelerometer: { driver: 'adxl345', bus: 3, address: 0x53, odrHz: 400, interruptGpio: 22, pollIntervalMs: 100 }, analysis: { windowSize: 512 } },
      ],
      cleanroom: {
        counters: [
          { id: 'lh', location: 'bay-1', map: 'lighthouse', unitId: 1, transport: { kind: 'tcp', port: 0, timeoutMs: 100 }, channelSizesUm: [0.3, 0.5, 5], pollIntervalS: 0.2, cleanroom: { configuredClass: 6 }, faults: { retries: 1, backoffMs: 20, breakerThreshold: 2, breakerOpenMs: 300 }, simulator: { sampleTimeS: 1 } },
          { id: 'mo', location: 'bay-2', map: 'metone6000', unitId: 2, transport: { kind: 'tcp', port: 0, timeoutMs: 100 }, channelSizesUm: [0.3, 0.5, 5], pollIntervalS: 0.2, cleanroom: { configuredClass: 6 }, faults: { retries: 1, backoffMs: 20, breakerThreshold: 2, breakerOpenMs: 300 }, simulator: { sampleTimeS: 1 } },
        ],
      },
    },
    'test',
  );
  const gw = await createGateway(config, { clock: systemClock, log: pino({ level: 'silent' }) });
  await gw.start();
  try {
    const light = gw.simulators.gpio.get('gpio17')!;
    const line = [...gw.simulators.lines.values()][0];
    assert.equal(gw.simulators.lines.size, 1, 'both counters share one simulated line (one bus)');
    await until('samples from the ADXL355 via its interrupt', () => (gw.health().sensors as Array<{ samples_acquired: number }>)[0].samples_acquired > 1000);
    const sensor = (gw.health().sensors as Array<{ acquisition: string; samples_lost: number }>)[0];
    assert.equal(sensor.acquisition, 'interrupt');
    await until('samples from the ADXL345 via its interrupt', () => gw.health().sensors[1].samples_acquired > 500);
    assert.equal(gw.health().sensors[1].acquisition, 'interrupt');
    assert.ok(gw.simulators.gpio.get('gpio22')!.history.length > 10, 'the simulated ADXL345 drove its INT1 line');
    // Each bus: its configured speed, the estimate, and the bus time the simulated bus measured.
    await sleep(200);
    const buses = gw.health().i2c_buses;
    assert.deepEqual(buses.map((b) => [b.bus, b.speed_hz]), [[1, 400_000], [3, 100_000]]);
    assert.ok(buses.every((b) => b.estimated_utilisation_pct > 0 && b.measured_utilisation_pct !== null && b.measured_utilisation_pct > 0), JSON.stringify(buses));
    // 400 Hz x 84 bit times + (10 polls + 25 watermarks)/s x 2 x 39 = 36 330 of 100 000 bit times per second.
    assert.equal(buses[1].estimated_utilisation_pct, 36.3);
    await until('a reading from each counter', () => gw.state.cleanroomLocations.size >= 0 && (gw.health().counters as Array<{ polls: number }>).every((c) => c.polls > 2));
    assert.equal(gw.health().status, 'ok');
    // The light follows the alarm list. Analysis alarms of the simulated signals (or a loss event on a
    // loaded machine) may already be lit here: the device faults below are what this test is about, so
    // whatever is lit now is acknowledged (and reported), and the light must then go dark.
    const lit = () => gw.state.alerts.filter((a) => lightsOutput(a, config.alarmOutput.minSeverity));
    assert.equal(light.level, lit().length > 0 ? 1 : 0, `stack light follows the lit alarms: ${JSON.stringify(lit())}`);
    for (const a of lit()) {
      t.diagnostic(`lit before the faults, acknowledged: ${a.source} ${a.code} ${a.severity} ${a.state}`);
      gw.state.acknowledgeAlert(a.id, a.robot_id ?? undefined, { by: 'test' });
    }
    await until('stack light off with nothing lit', () => light.level === 0);

    // Met One stops answering.
    line.slave.setFault(2, { kind: 'timeout' });
    const counter = () => (gw.health().counters as Array<{ counter_id: string; fault: { code: string } | null; breaker: string }>).find((c) => c.counter_id === 'mo')!;
    await until('mo faulted', () => counter().fault?.code === 'MODBUS_TIMEOUT');
    assert.equal(gw.health().status, 'degraded');
    assert.ok(gw.state.alerts.some((a) => a.source === 'counter:mo' && a.code === 'MODBUS_TIMEOUT' && a.active));
    await until('stack light on', () => light.level === 1);
    await until('breaker open', () => counter().breaker === 'open');
    line.slave.setFault(2, null);
    await until('mo recovered', () => counter().fault === null);
    assert.ok(gw.state.alerts.some((a) => a.source === 'counter:mo' && a.code === 'DEVICE_RECOVERED'));
    await until('stack light off', () => light.level === 0);

    // The accelerometer is unplugged and plugged back.
    const bus = gw.simulators.i2c.get(1)!;
    bus.setFault(0x1d, 'nack');
    const faults = () => (gw.health().sensors as Array<{ faults: Array<{ code: string }> }>)[0].faults;
    await until('accelerometer faulted', () => faults()[0]?.code === 'I2C_NACK');
    await until('stack light on again', () => light.level === 1);
    bus.setFault(0x1d, null);
    await until('accelerometer recovered', () => faults().length === 0);
    await until('stack light off again', () => light.level === 0);
    assert.equal(gw.health().status, 'ok');
  } finally {
    await gw.stop();
  }
});
