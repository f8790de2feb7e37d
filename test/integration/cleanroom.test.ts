import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import pino from 'pino';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/load.js';
import { systemClock } from '../../src/core/clock.js';
import { createGateway } from '../../src/gateway.js';
import { startBroker, skipWithoutMosquitto } from '../helpers/mosquitto.js';

const FT3_M3 = 0.028316846592;

test('known counts over Modbus TCP -> published ISO class, margins, and an excursion raised after the minimum duration and cleared with hysteresis', { skip: skipWithoutMosquitto(), timeout: 60_000 }, async (t) => {
  const broker = await startBroker();
  t.after(() => broker.stop());
  const config = validateConfig(
    {
      gateway: { id: 'gw-clean', site: 'main', simulation: true, stateDir: mkdtempSync(join(tmpdir(), 'fabwatch-cleanroom-')) },
      log: { level: 'silent' },
      mqtt: { url: broker.url, reconnectMinMs: 200 },
      api: { enabled: false },
      cleanroom: {
        publishIntervalS: 0.5,
        counters: [
          {
            id: 'pc-1',
            location: 'corridor',
            transport: { kind: 'tcp', port: 0 },
            channelSizesUm: [0.3, 0.5, 1.0, 5.0],
            pollIntervalS: 0.25,
            cleanroom: { configuredClass: 6, averagingSamples: 1, excursion: { minConsecutiveSamples: 2, minDurationS: 1, clearConsecutiveSamples: 2 } },
            simulator: { isoClass: 5, sampleTimeS: 1, flowCfm: 1, spikeProbability: 0 },
          },
        ],
      },
    },
    'test',
  );
  const gw = await createGateway(config, { clock: systemClock, log: pino({ level: 'silent' }) });
  const regs = gw.simulators.counters.get('pc-1')! as import('../../simulators/lighthouse-registers.js').LighthouseRegisters;
  const clean = [14, 5, 1, 0];
  const dirty = [300, 100, 20, 0];
  regs.forcedCounts = clean;

  const sub = await mqtt.connectAsync(broker.url);
  t.after(() => sub.endAsync(true));
  const statuses: any[] = [];
  const alerts: any[] = [];
  sub.on('message', (topic, payload) => {
    const body = JSON.parse(payload.toString());
    if (topic === 'cleanroom/main/status') statuses.push(body);
    if (topic === 'cleanroom/main/alerts') alerts.push(body);
  });
  await sub.subscribeAsync(['cleanroom/main/status', 'cleanroom/main/alerts'], { qos: 1 });
  await gw.start();
  t.after(() => gw.stop());

  const waitFor = async (what: string, cond: () => boolean, ms = 15_000) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const latest = () => statuses.at(-1)?.locations?.[0];

  // Clean air: the published status carries concentrations from counts / (flow x time), the class and margins.
  await waitFor('a published clean sample', () => latest()?.counts?.[0] === 14);
  const loc = latest();
  const volumeM3 = (1 / 60) * FT3_M3;
  assert.ok(Math.abs(loc.concentration_per_m3[0] - 14 / volumeM3) / (14 / volumeM3) < 1e-3);
  assert.equal(loc.configured_class, 6);
  assert.equal(loc.meets_configured_class, true);
  assert.ok(loc.iso_class <= 6 && loc.iso_class >= 5, `best class ${loc.iso_class}`);
  const m03 = loc.margins.find((m: any) => m.size_um === 0.3);
  assert.equal(m03.limit_per_m3, 102000, 'ISO 6 at 0.3 um, as printed in Table 1');
  assert.ok(Math.abs(m03.ratio - 14 / volumeM3 / 102000) < 1e-3);
  assert.equal(alerts.length, 0);

  // Dirty air: one sample over the limit is not enough; the alert comes after two samples (>= 1 s).
  const before = regs.records;
  regs.forcedCounts = dirty;
  await waitFor('first dirty sample published', () => latest()?.counts?.[0] === 300);
  const firstDirtyRecord = regs.records;
  await waitFor('excursion alert', () => alerts.some((a) => a.code === 'CLEANROOM_EXCURSION_RAISED'));
  const raised = alerts.find((a) => a.code === 'CLEANROOM_EXCURSION_RAISED');
  assert.ok(regs.records - before >= 2, 'raised only after at least two dirty samples');
  assert.ok(regs.records >= firstDirtyRecord + 1);
  assert.equal(raised.severity, 'critical');
  assert.equal(raised.gateway_id, 'gw-clean');
  assert.match(raised.message, /corridor: excursion raised \(none -> limit\)/);
  await waitFor('status shows the excursion', () => latest()?.alarm?.excursion?.level === 'limit' && latest()?.meets_configured_class === false);

  // Back to clean: cleared only after two clean samples (hysteresis), and never before.
  const cleanFrom = regs.records;
  regs.forcedCounts = clean;
  await waitFor('cleared alert', () => alerts.some((a) => a.code === 'CLEANROOM_EXCURSION_CLEARED'));
  assert.ok(regs.records - cleanFrom >= 2, 'cleared only after two clean samples');
  const cleared = alerts.find((a) => a.code === 'CLEANROOM_EXCURSION_CLEARED');
  assert.equal(cleared.active, false);
  assert.deepEqual(alerts.filter((a) => a.code.startsWith('CLEANROOM_EXCURSION')).map((a) => a.code), ['CLEANROOM_EXCURSION_RAISED', 'CLEANROOM_EXCURSION_CLEARED']);
  // Every cleanroom message carries a gap-free seq.
  assert.deepEqual(statuses.map((s) => s.seq), statuses.map((_, i) => i + 1));
});
