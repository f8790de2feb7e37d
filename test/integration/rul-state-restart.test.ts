/**
 * The gateway keeps each robot's RUL tracker across a restart and forgets it on reset_rul: the
 * simulated gateway of config/simulated.yaml on a ManualClock, with a saved state for robot-001
 * in {stateDir}/rul/. After start the robot is not back to `learning`; at stop the state is saved;
 * reset_rul (the one command path) sends it back to `learning` and deletes the file; a garbage
 * file for robot-002 is ignored without stopping anything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ManualClock } from '../../src/core/clock.js';
import { createGateway } from '../../src/gateway.js';
import { simulatedFabConfig } from '../helpers/small-config.js';
import { RUL_MODEL_INPUTS } from '../../src/prognosis/rul-math.js';
import type { RulTrackerState } from '../../src/prognosis/rul-tracker.js';

const STEP_MS = 10;

test('gateway restart keeps robot-001\'s RUL tracker; reset_rul sends it back to learning', { timeout: 300_000 }, async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'fabwatch-rul-restart-'));
  const config = simulatedFabConfig(stateDir, 'rul-restart');
  const t0 = Date.UTC(2026, 11, 1, 8);
  const saved: RulTrackerState = {
    robotId: 'robot-001',
    baseline: [0.05, 3, 3.5, 0.6],
    snapshots: 400,
    firstMs: t0 - 4_000_000,
    lastMs: t0 - 60_000,
    amplitudeBaseline: 0.2,
    degradation: { onsetMs: null, sinceOnset: 0, points: 0, lastTauH: 0, s: [0, 0, 0, 0, 0], lastY: 0, level: 0.2, baseline: 0.2 },
    failedAtMs: null,
    degradingSinceMs: null,
  };
  mkdirSync(join(stateDir, 'rul'));
  const file = (id: string) => join(stateDir, 'rul', `${id}.json`);
  writeFileSync(file('robot-001'), JSON.stringify({ version: 1, robot_id: 'robot-001', inputs: [...RUL_MODEL_INPUTS], saved_at: new Date(t0 - 60_000).toISOString(), baseline_learnt_while_faulty: false, tracker: saved }));
  writeFileSync(file('robot-002'), '\u0000garbage');
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const clock = new ManualClock(t0);
  const gw = await createGateway(config, { clock, log });
  const rul = (id: string) => gw.state.robot(id)?.rul ?? null;
  const stepUntil = async (done: () => boolean, maxMs: number) => {
    for (let t = 0; t < maxMs && !done(); t += STEP_MS) {
      clock.advance(STEP_MS);
      await new Promise((r) => setImmediate(r));
    }
  };
  try {
    await gw.start();
    assert.ok(lines.some((l) => l.code === 'RUL_STATE_CORRUPT' && l.robot === 'robot-002'), 'the garbage file is logged with its code');
    await stepUntil(() => rul('robot-001') !== null && rul('robot-002') !== null, 30_000);
    assert.equal(rul('robot-001')?.rul_state, 'no_degradation', `restored, not learning: ${JSON.stringify(rul('robot-001'))}`);
    assert.equal(rul('robot-001')?.baseline_ready, true);
    assert.equal(rul('robot-002')?.rul_state, 'learning', 'the robot with the corrupt file starts fresh');

    const out = await gw.commands.execute({ id: 'swap-1', robotId: 'robot-001', command: 'reset_rul', source: 'rest', actor: 'tech' });
    assert.equal(out.status, 'ok', out.message);
    assert.equal((out.result as { previous_rul_state: string }).previous_rul_state, 'no_degradation');
    assert.equal(existsSync(file('robot-001')), false, 'saved state deleted');
    assert.equal(rul('robot-001'), null, 'no estimate until the fresh tracker has one');
    await stepUntil(() => rul('robot-001') !== null, 30_000);
    assert.equal(rul('robot-001')?.rul_state, 'learning', 'fresh tracker after the bearing replacement');
  } finally {
    await gw.stop();
  }
  try {
    // stop saved every robot's tracker; robot-001's is the fresh one
    const after = JSON.parse(readFileSync(file('robot-001'), 'utf8'));
    assert.ok(after.tracker.snapshots >= 1 && after.tracker.snapshots < 10, `fresh tracker saved at stop (${after.tracker.snapshots})`);
    assert.equal(after.tracker.baseline, null);
    assert.equal(JSON.parse(readFileSync(file('robot-002'), 'utf8')).version, 1, 'the corrupt file was overwritten by a good one');
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
