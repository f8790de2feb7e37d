import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, skipWithoutMosquitto, type Broker } from '../helpers/mosquitto.js';
import { startGatewayProcess, getJson, type GatewayProcess } from '../helpers/gateway-process.js';
import { StreamRecorder, streamReport, sleep, waitFor } from '../helpers/stream-recorder.js';
import { freePort } from '../../simulators/free-port.js';

const ROBOTS = ['robot-001', 'robot-002', 'robot-003', 'robot-004'];
const OUTAGE_MS = 30_000;

/**
 * The acceptance scenario: 4 simulated robots publish, the broker is stopped for 30 s,
 * then restarted. The subscriber has a persistent session (clean: false, QoS 1) on a broker with
 * persistence, so whatever the gateway sends after the restart reaches it even before it has
 * reconnected. With `kill9`, fabwatch is SIGKILLed in the middle of the outage and started again
 * on the same state directory.
 */
async function outageScenario(kill9: boolean): Promise<void> {
  const port = await freePort();
  const persistenceDir = mkdtempSync(join(tmpdir(), 'fabwatch-mosq-data-'));
  const stateDir = mkdtempSync(join(tmpdir(), 'fabwatch-state-'));
  const env = { MQTT_URL: `mqtt://127.0.0.1:${port}`, FABWATCH_STATE_DIR: stateDir, NODE_ENV: 'test', FABWATCH_TEST_ALERT_INTERVAL_MS: '3000' };
  let broker: Broker = await startBroker({ port, persistenceDir });
  const gateways: GatewayProcess[] = [];
  const sub = await StreamRecorder.connect(broker.url, ['factory/main/+/telemetry', 'factory/main/+/alerts', 'cleanroom/main/status'], { clientId: `outage-sub-${kill9 ? 'kill' : 'plain'}`, clean: false, protocolVersion: 4 });
  try {
    let gw = await startGatewayProcess({ env });
    gateways.push(gw);
    const tel = (r: string) => sub.streams.get(`gw-sim-01 factory/main/${r}/telemetry`)?.length ?? 0;
    assert.ok(await waitFor(() => ROBOTS.every((r) => tel(r) >= 2), 30_000), `telemetry flows before the outage (${ROBOTS.map(tel)})`);

    await broker.stop();
    const outageStart = Date.now();
    if (kill9) {
      await sleep(OUTAGE_MS / 2);
      const h = await getJson(`http://127.0.0.1:${gw.rest}/health`);
      assert.equal(h.uplink.connected, false);
      assert.ok(h.uplink.queued > 0, `messages wait in the outbox (${h.uplink.queued})`);
      assert.equal(await gw.stop('SIGKILL'), 'SIGKILL');
      gw = await startGatewayProcess({ env });
      gateways.push(gw);
      assert.ok(gw.logs.some((l) => l.includes('will be replayed')), 'the new process found the stored backlog');
    }
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - outageStart)));
    const during = await getJson(`http://127.0.0.1:${gw.rest}/health`);
    assert.equal(during.uplink.connected, false);
    assert.equal(during.uplink.outbox.mode, 'sqlite');

    const restartAt = Date.now();
    broker = await startBroker({ port, persistenceDir });
    // Backlog drained: nothing left in the outbox, nothing in flight.
    const drained = await waitFor(async () => {
      const h = await getJson(`http://127.0.0.1:${gw.rest}/health`);
      return h.uplink.connected && h.uplink.queued === 0 && h.uplink.in_flight === 0 ? h : null;
    }, 30_000, 250);
    assert.ok(drained, 'the gateway reconnected and drained its outbox');
    assert.ok(drained.uplink.replayed > 0, 'backlog sent as replayed');
    // The subscriber's own reconnect, and a little more live traffic.
    await sleep(2500);
    assert.equal(await gw.stop('SIGTERM'), 0);
    await sleep(300);

    for (const r of ROBOTS) {
      const msgs = sub.streams.get(`gw-sim-01 factory/main/${r}/telemetry`) ?? [];
      const rep = streamReport(msgs);
      assert.equal(rep.seqs[0], 1, `${r}: from seq 1`);
      assert.deepEqual(rep.missing, [], `${r}: no seq missing (got ${rep.seqs.length}, ${rep.duplicates} duplicates)`);
      assert.ok(rep.inOrder, `${r}: in order`);
      // ~0.78 telemetry/s per robot over >= 35 s of life (fewer on a loaded machine: lost samples discard windows).
      assert.ok(rep.seqs.length >= 10, `${r}: ${rep.seqs.length} messages`);
      const replayed = msgs.filter((m) => m.body.replayed === true);
      assert.ok(replayed.length >= 5, `${r}: ${replayed.length} replayed messages`);
      // Replayed messages keep their original production time (inside the outage, before the restart).
      assert.ok(replayed.every((m) => Date.parse(m.body.ts!) < restartAt + 1000), `${r}: replayed ts are original`);
      assert.ok(replayed.some((m) => Date.parse(m.body.ts!) > outageStart + 5000 && Date.parse(m.body.ts!) < restartAt), `${r}: messages produced during the outage arrived`);
    }
    const alerts = streamReport(sub.streams.get('gw-sim-01 factory/main/robot-001/alerts') ?? []);
    assert.ok(alerts.seqs.length >= 8, `alerts through the outage: ${alerts.seqs.length}`);
    assert.deepEqual(alerts.missing, []);
    assert.equal(alerts.seqs[0], 1);
    assert.ok(alerts.inOrder);
    const cleanroom = streamReport(sub.streams.get('gw-sim-01 cleanroom/main/status') ?? []);
    assert.deepEqual(cleanroom.missing, [], 'cleanroom status: nothing missing');
  } finally {
    for (const g of gateways) await g.stop('SIGKILL');
    await sub.close();
    await broker.stop();
  }
}

const skip = skipWithoutMosquitto();
test('broker stopped 30 s while 4 robots publish: a persistent subscriber sees every seq of every stream, in order', { skip, timeout: 110_000 }, () => outageScenario(false));
test('the same with fabwatch kill -9ed during the outage and restarted: seq continues, nothing lost', { skip, timeout: 110_000 }, () => outageScenario(true));
