import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, skipWithoutMosquitto, type Broker } from '../helpers/mosquitto.js';
import { startGatewayProcess, getJson, repoRoot, type GatewayProcess } from '../helpers/gateway-process.js';
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
  // config/simulated.yaml with reconnect backoff capped at 5 s (default 30 s) to keep the test short.
  const cfg = parseYaml(readFileSync(join(repoRoot, 'config/simulated.yaml'), 'utf8'));
  cfg.mqtt.reconnectMaxMs = 5000;
  cfg.gateway.testAlertIntervalMs = 3000; // an alert every 3 s, through the outage
  const config = join(stateDir, '..', `${stateDir.split('/').pop()}-simulated.json`);
  writeFileSync(config, JSON.stringify(cfg));
  const env = { MQTT_URL: `mqtt://127.0.0.1:${port}`, FABWATCH_STATE_DIR: stateDir, NODE_ENV: 'test' };
  let broker: Broker = await startBroker({ port, persistenceDir });
  const gateways: GatewayProcess[] = [];
  let killedAt = 0;
  const sub = await StreamRecorder.connect(broker.url, ['factory/main/+/telemetry', 'factory/main/+/alerts', 'cleanroom/main/status'], { clientId: `outage-sub-${kill9 ? 'kill' : 'plain'}`, clean: false, protocolVersion: 4 });
  try {
    let gw = await startGatewayProcess({ config, env, timeoutMs: 60_000 });
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
      killedAt = Date.now();
      gw = await startGatewayProcess({ config, env, timeoutMs: 60_000 });
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
      assert.equal(rep.conflicts, 0, `${r}: no seq reused for a different message`);
      // ~0.78 telemetry/s per robot over >= 35 s of life (fewer on a loaded machine: lost samples discard windows).
      assert.ok(rep.seqs.length >= 4, `${r}: ${rep.seqs.length} messages`);
      const replayed = msgs.filter((m) => m.body.replayed === true);
      assert.ok(replayed.length >= 1, `${r}: ${replayed.length} replayed messages`);
      if (killedAt) {
        const before = msgs.filter((m) => Date.parse(m.body.ts!) < killedAt);
        const after = msgs.filter((m) => Date.parse(m.body.ts!) > killedAt);
        assert.ok(before.length && after.length, `${r}: messages from both processes (${before.length} + ${after.length})`);
        assert.ok(Math.min(...after.map((m) => m.body.seq)) > Math.max(...before.map((m) => m.body.seq)), `${r}: seq continues after kill -9`);
      }
      // Replayed messages keep their original production time: produced, then (later) delivered.
      assert.ok(replayed.every((m) => Date.parse(m.body.ts!) <= m.at), `${r}: replayed ts are original`);
      assert.ok(replayed.some((m) => Date.parse(m.body.ts!) > outageStart + 5000 && Date.parse(m.body.ts!) < restartAt), `${r}: messages produced during the outage arrived`);
    }
    const alerts = streamReport(sub.streams.get('gw-sim-01 factory/main/robot-001/alerts') ?? []);
    assert.ok(alerts.seqs.length >= 8, `alerts through the outage: ${alerts.seqs.length}`);
    assert.equal(alerts.conflicts, 0);
    assert.deepEqual(alerts.missing, []);
    assert.equal(alerts.seqs[0], 1);
    assert.ok(alerts.inOrder);
    const cleanroom = streamReport(sub.streams.get('gw-sim-01 cleanroom/main/status') ?? []);
    assert.deepEqual(cleanroom.missing, [], 'cleanroom status: nothing missing');
  } catch (err) {
    const tail = gateways.map((g, i) => `--- gateway ${i} (exit ${g.proc.exitCode ?? g.proc.signalCode}):\n${g.logs.slice(-25).join('\n')}`).join('\n');
    throw new Error(`${(err as Error).message}\n${tail}`, { cause: err });
  } finally {
    for (const g of gateways) await g.stop('SIGKILL');
    await sub.close();
    await broker.stop();
  }
}

const skip = skipWithoutMosquitto();
test('broker stopped 30 s while 4 robots publish: a persistent subscriber sees every seq of every stream, in order', { skip, timeout: 110_000 }, () => outageScenario(false));
test('the same with fabwatch kill -9ed during the outage and restarted: seq continues, nothing lost', { skip, timeout: 110_000 }, () => outageScenario(true));
