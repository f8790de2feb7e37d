/**
 * The simulated fab tells a true story (issue #13): the whole gateway of config/simulated.yaml
 * (real drivers over the register-level simulators, the analysis chain, the RUL model, the status
 * model) runs 30 simulated minutes on a ManualClock, the way `gateway.simulationSpeed` runs it
 * faster than real time. Checked from the first analysed window and again after the RUL baseline
 * has been learnt: the faulty robots rank above the healthy one, no faulty robot reads "ok" or
 * healthy, and the healthy robot's RUL says no degradation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ManualClock } from '../../src/core/clock.js';
import { createGateway } from '../../src/gateway.js';
import { simulatedFabConfig } from '../helpers/small-config.js';
import type { RobotState } from '../../src/state/types.js';

/** The sensors' poll interval: each step drains every FIFO once (32 deep: 20 ms at 1600 Hz). */
/**
 * 5 ms, the step of the paced clock behind `gateway.simulationSpeed` (src/core/paced-clock.ts): the
 * simulated I2C bus takes each transfer's time on the clock, and a drain's first transfer, asked for
 * at a step's end, completes in the next step; with 10 ms steps the 20 ms ADXL345 FIFO was read up to
 * a step late and a few samples in 30 minutes were lost to the stepping.
 */
const STEP_MS = 5;

test('simulated fab: 30 simulated minutes, faulty robots above the healthy one from the first window on', { timeout: 600_000 }, async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'fabwatch-fab-status-'));
  const config = simulatedFabConfig(stateDir, 'fab-status');
  const clock = new ManualClock(Date.UTC(2026, 10, 1, 8));
  const gw = await createGateway(config, { clock, log: pino({ level: 'silent' }) });
  await gw.start();
  const robots = () => Object.fromEntries([...gw.state.robots.values()].map((r) => [r.robot_id, r])) as Record<string, RobotState>;
  const rank = (r: RobotState) => r.priority?.rank ?? Infinity;
  const failures: string[] = [];
  const check = (when: string) => {
    const rs = robots();
    const healthy = rs['robot-001'];
    for (const id of ['robot-003', 'robot-004']) {
      if (!(rank(rs[id]) < rank(healthy))) failures.push(`${when}: ${id} rank ${rank(rs[id])} not above robot-001 rank ${rank(healthy)}`);
    }
    for (const id of ['robot-002', 'robot-003', 'robot-004']) {
      if (rs[id].status === 'ok') failures.push(`${when}: ${id} status ok (${rs[id].status_reasons.join('; ')})`);
      if ((rs[id].health_score ?? 100) >= 70) failures.push(`${when}: ${id} health ${rs[id].health_score}`);
    }
    if (healthy.status !== 'ok') failures.push(`${when}: robot-001 status ${healthy.status} (${healthy.status_reasons.join('; ')})`);
  };
  try {
    let firstChecked = false;
    let learnt = 0;
    const endMs = 30 * 60_000;
    for (let t = 0; t < endMs; t += STEP_MS) {
      clock.advance(STEP_MS);
      await new Promise((r) => setImmediate(r));
      const rs = robots();
      if (!firstChecked && Object.values(rs).every((r) => r.priority !== null)) {
        firstChecked = true;
        check(`first window (t=${(t / 1000).toFixed(1)} s)`);
      }
      if (t % 60_000 === 0 && t > 0) {
        const ready = Object.values(rs).filter((r) => r.rul?.baseline_ready).length;
        if (ready === 4) {
          learnt++;
          check(`t=${t / 60_000} min, baselines learnt`);
        }
      }
    }
    assert.ok(firstChecked, 'every robot was ranked');
    assert.ok(learnt >= 5, `baselines learnt and checked for at least 5 minutes (${learnt})`);
    const rs = robots();
    assert.equal(rs['robot-001'].rul?.rul_state, 'no_degradation', JSON.stringify(rs['robot-001'].rul));
    assert.equal(rs['robot-003'].baseline_learnt_while_faulty, true, 'zone D robot: its baseline was learnt while faulty');
    assert.ok(rs['robot-003'].status_reasons.some((r) => r.includes('baseline learnt while faulty')));
    assert.equal(rs['robot-001'].priority?.rank, 4, 'the healthy robot is last');
    assert.deepEqual(failures.slice(0, 10), []);
    for (const r of Object.values(rs)) assert.equal(r.sensors.samples_lost, 0, `${r.robot_id}: the stepping lost samples`);
  } finally {
    await gw.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
});
