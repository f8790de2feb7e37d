/**
 * gateway.simulationSpeed / SIMULATION_SPEED (issue #13 item 4): the simulated fab runs on a paced
 * ManualClock faster than real time. Run as a user runs it (`SIMULATION_SPEED=20 npm start`): the
 * robots' data must advance faster than the wall clock, /health says how fast the clock runs, and
 * the samples keep arriving at the simulated rate. A non-simulated gateway refuses the setting (exit 2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { getJson, repoRoot, startGatewayProcess } from '../helpers/gateway-process.js';
import { validateConfig, ConfigError, applyEnv } from '../../src/config/load.js';

test('SIMULATION_SPEED=20: simulated time runs ahead of the wall clock, reported in /health, samples at the simulated rate', { timeout: 90_000 }, async () => {
  const gw = await startGatewayProcess({ env: { SIMULATION_SPEED: '20', MQTT_URL: 'mqtt://127.0.0.1:1' } });
  try {
    const base = `http://127.0.0.1:${gw.rest}`;
    const wallStart = Date.now();
    await new Promise((r) => setTimeout(r, 6000));
    const health = await getJson(`${base}/health`);
    assert.equal(health.simulation_clock?.speed, 20, JSON.stringify(health.simulation_clock));
    const robots = (await getJson(`${base}/api/robots`)).robots as Array<{ robot_id: string; last_update: string | null; sensors: { samples_lost: number; samples_acquired: number } }>;
    const wallElapsed = Date.now() - wallStart;
    // Loose on purpose (a loaded CI machine may not reach 20x): simulated time must clearly outrun real time.
    assert.ok(health.simulation_clock.achieved_speed > 2, `achieved ${health.simulation_clock.achieved_speed}x`);
    for (const r of robots) {
      assert.ok(r.last_update, `${r.robot_id} has data`);
      const ahead = Date.parse(r.last_update!) - Date.now();
      assert.ok(ahead > wallElapsed, `${r.robot_id}: data stamped ${ahead} ms ahead of the wall clock after ${wallElapsed} ms`);
      assert.ok(r.sensors.samples_acquired > 1600 * (wallElapsed / 1000) * 2, `${r.robot_id}: ${r.sensors.samples_acquired} samples in ${wallElapsed} ms of wall time`);
    }
  } finally {
    await gw.stop();
  }
});

test('simulationSpeed is refused on a gateway with real hardware; SIMULATION_SPEED sets it', () => {
  const raw: Record<string, unknown> = { gateway: { id: 'gw-speed', simulation: false } };
  applyEnv(raw, { SIMULATION_SPEED: '10' });
  try {
    validateConfig(raw, 'test');
    assert.fail('accepted');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.match(err.issues.map((i) => `${i.path}: ${i.message}`).join('\n'), /\/gateway\/simulationSpeed: is 10, but only a simulated gateway/);
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), '--check-config', join(repoRoot, 'config/gateway.example.yaml')], { cwd: repoRoot, env: { ...process.env, SIMULATION_SPEED: '5' }, encoding: 'utf8' });
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /simulationSpeed/);
});
