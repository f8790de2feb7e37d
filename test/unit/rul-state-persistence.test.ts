/**
 * RUL tracker state across restarts and reset_rul (bearing replaced): RulFeed + RulStateStore with
 * the real ONNX model, windows stamped by a ManualClock. A restart restores the tracker (not back
 * to learning), reset_rul through the one command path goes back to learning and deletes the saved
 * state, unusable files are logged with a stable code and ignored.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ManualClock } from '../../src/core/clock.js';
import { mulberry32 } from '../../src/core/random.js';
import { RulFeed } from '../../src/monitor/rul-feed.js';
import { RulModel } from '../../src/prognosis/rul-model.js';
import { RulStateStore, RUL_STATE_VERSION } from '../../src/prognosis/rul-state-store.js';
import { fromPackageRoot } from '../../src/core/package-root.js';
import { CommandService } from '../../src/commands/service.js';
import { robotCommands } from '../../src/commands/robot-commands.js';
import { GatewayState } from '../../src/state/gateway-state.js';

const RATE = 1600;
const N = 4096;
const ROBOT = 'robot-001';
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fabwatch-rul-state-'));
  dirs.push(d);
  return d;
}

/** A log that keeps every line's object (for the codes). */
function recordingLog(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

let model: RulModel | null = null;
async function loadedModel(): Promise<RulModel> {
  if (!model) {
    model = new RulModel({ modelPath: fromPackageRoot('models/rul.onnx') });
    await model.start();
  }
  return model;
}
after(() => model?.stop());

/** Healthy vibration: a shaft line plus seeded noise (the same every run). */
const rnd = mulberry32(13);
function window(): Float32Array {
  const x = new Float32Array(N);
  for (let i = 0; i < N; i++) x[i] = 0.2 * Math.sin((2 * Math.PI * 30 * i) / RATE) + 0.1 * (rnd() - 0.5);
  return x;
}

function feed(store: RulStateStore, m: RulModel): RulFeed {
  return new RulFeed({ robotId: ROBOT, windowSize: N, snapshotIntervalMs: 10_000, confidenceLevel: 0.9, store }, () => m);
}

/** `count` snapshots, one per 10 s of the ManualClock; returns the last estimate. */
async function run(f: RulFeed, clock: ManualClock, count: number) {
  let last = null;
  for (let i = 0; i < count; i++) {
    clock.advance(10_000);
    last = (await f.onWindow(window(), RATE, clock.now())) ?? last;
  }
  return last;
}

test('a restart restores the tracker: baseline learnt, not back to learning; the faulty-baseline flag survives', async () => {
  const m = await loadedModel();
  const dir = stateDir();
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 8));
  const { log } = recordingLog();
  const a = feed(new RulStateStore(dir, log), m);
  a.noteFinding(true); // zone C/D seen while learning
  const e1 = await run(a, clock, 35);
  assert.equal(e1?.rul_state, 'no_degradation', JSON.stringify(e1));
  a.flush(clock.now()); // gateway stop
  const file = JSON.parse(readFileSync(join(dir, 'rul', `${ROBOT}.json`), 'utf8'));
  assert.equal(file.version, RUL_STATE_VERSION);
  assert.equal(file.tracker.snapshots, 35);
  assert.equal(file.baseline_learnt_while_faulty, true);

  // "restart": a new feed and store on the same state dir
  const b = feed(new RulStateStore(dir, log), m);
  assert.equal(b.tracker.baselineReady, true);
  assert.equal(b.tracker.snapshots, 35);
  assert.deepEqual(b.tracker.baseline, a.tracker.baseline);
  assert.equal(b.baselineLearntWhileFaulty, true);
  const e2 = await run(b, clock, 1);
  assert.equal(e2?.rul_state, 'no_degradation', 'first estimate after the restart is not learning');
  assert.equal(e2?.baseline_ready, true);

  // without the store the same restart starts from learning (the control)
  const c = new RulFeed({ robotId: ROBOT, windowSize: N, snapshotIntervalMs: 10_000, confidenceLevel: 0.9 }, () => m);
  assert.equal((await run(c, clock, 1))?.rul_state, 'learning');
});

test('saves while running (baseline learnt, then at least every minute), not only at stop', async () => {
  const m = await loadedModel();
  const dir = stateDir();
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 8));
  const a = feed(new RulStateStore(dir, recordingLog().log), m);
  await run(a, clock, 31);
  const path = join(dir, 'rul', `${ROBOT}.json`);
  const atReady = JSON.parse(readFileSync(path, 'utf8'));
  assert.notEqual(atReady.tracker.baseline, null, 'saved as soon as the baseline was learnt');
  await run(a, clock, 8);
  const later = JSON.parse(readFileSync(path, 'utf8'));
  assert.ok(later.tracker.snapshots > atReady.tracker.snapshots && later.tracker.snapshots >= 36, `saved again within a minute (${later.tracker.snapshots})`);
});

test('reset_rul through the command path: back to learning, saved state deleted, audited; a restart stays fresh', async () => {
  const m = await loadedModel();
  const dir = stateDir();
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 8));
  const { log, lines } = recordingLog();
  const store = new RulStateStore(dir, log);
  const f = feed(store, m);
  assert.equal((await run(f, clock, 35))?.rul_state, 'no_degradation');
  const path = join(dir, 'rul', `${ROBOT}.json`);
  assert.ok(existsSync(path));

  const state = new GatewayState({ gatewayId: 'g', site: 's' }, clock, 10, []);
  const commands = new CommandService({
    clock,
    audit: log,
    robotIds: () => [ROBOT],
    definitions: robotCommands({ state, startAcquisition: async () => undefined, stopAcquisition: async () => undefined, resetRul: () => f.reset() }),
  });
  const bad = await commands.execute({ robotId: ROBOT, command: 'reset_rul', parameters: { now: true }, source: 'rest' });
  assert.equal(bad.code, 'BAD_PARAMETERS');
  assert.ok(existsSync(path), 'a rejected command changed nothing');
  const out = await commands.execute({ id: 'bearing-swap-1', robotId: ROBOT, command: 'reset_rul', source: 'mqtt', actor: 'tech-7' });
  assert.equal(out.status, 'ok', out.message);
  assert.deepEqual(out.result, { robot_id: ROBOT, previous_rul_state: 'no_degradation', previous_snapshots: 35, rul_state: 'learning' });
  assert.equal(existsSync(path), false, 'saved state deleted');
  assert.ok(lines.some((l) => l.audit === 'command' && l.command === 'reset_rul' && l.actor === 'tech-7'), 'audited');
  assert.ok(lines.some((l) => l.audit === 'outcome' && l.command === 'reset_rul' && l.status === 'ok'), 'outcome audited');
  assert.equal(f.latest, null);
  assert.equal(f.tracker.snapshots, 0);
  assert.equal((await run(f, clock, 1))?.rul_state, 'learning', 'the next estimate is learning');

  // a restart after the reset restores the fresh tracker, not the old one
  f.flush(clock.now());
  const g = feed(new RulStateStore(dir, log), m);
  assert.equal(g.tracker.snapshots, 1);
  assert.equal(g.tracker.baselineReady, false);
  assert.equal((await run(g, clock, 1))?.rul_state, 'learning');
});

test('reset_rul: a state file that cannot be deleted fails the command with a code and changes nothing', async () => {
  const m = await loadedModel();
  const dir = stateDir();
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 8));
  const f = feed(new RulStateStore(dir, recordingLog().log), m);
  await run(f, clock, 31);
  // a directory where the file should be: rm without recursive refuses it
  rmSync(join(dir, 'rul', `${ROBOT}.json`));
  mkdirSync(join(dir, 'rul', `${ROBOT}.json`, 'x'), { recursive: true });
  assert.throws(() => f.reset(), { code: 'RUL_STATE_WRITE_FAILED' });
  assert.equal(f.tracker.snapshots, 31, 'the tracker was kept');
});

test('corrupt, incompatible and unreadable files are logged with a stable code and ignored: fresh tracker, no crash', async () => {
  const m = await loadedModel();
  const cases: Array<[string, string | ((good: Record<string, any>) => unknown), string]> = [
    ['not JSON', '{"version":1,"tracker":', 'RUL_STATE_CORRUPT'],
    ['empty', '', 'RUL_STATE_CORRUPT'],
    ['wrong shape', (g) => ({ ...g, tracker: { ...g.tracker, baseline: [1, 2] } }), 'RUL_STATE_CORRUPT'],
    ['negative baseline', (g) => ({ ...g, tracker: { ...g.tracker, baseline: [-1, 3, 4, 1] } }), 'RUL_STATE_CORRUPT'],
    ['extra field in the tracker', (g) => ({ ...g, tracker: { ...g.tracker, evil: 1 } }), 'RUL_STATE_CORRUPT'],
    ['array', '[]', 'RUL_STATE_CORRUPT'],
    ['future version', (g) => ({ ...g, version: 99 }), 'RUL_STATE_INCOMPATIBLE'],
    ['other model inputs', (g) => ({ ...g, inputs: ['rms_g'] }), 'RUL_STATE_INCOMPATIBLE'],
    ['another robot', (g) => ({ ...g, robot_id: 'robot-009', tracker: { ...g.tracker, robotId: 'robot-009' } }), 'RUL_STATE_INCOMPATIBLE'],
  ];
  // a good file to mutate
  const goodDir = stateDir();
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 8));
  const src = feed(new RulStateStore(goodDir, recordingLog().log), m);
  await run(src, clock, 31);
  const good = JSON.parse(readFileSync(join(goodDir, 'rul', `${ROBOT}.json`), 'utf8'));
  for (const [name, content, code] of cases) {
    const dir = stateDir();
    mkdirSync(join(dir, 'rul'));
    writeFileSync(join(dir, 'rul', `${ROBOT}.json`), typeof content === 'string' ? content : JSON.stringify(content(good)));
    const { log, lines } = recordingLog();
    const f = feed(new RulStateStore(dir, log), m);
    assert.equal(f.tracker.snapshots, 0, name);
    assert.ok(lines.some((l) => l.code === code && l.robot === ROBOT), `${name}: logged ${code} (${JSON.stringify(lines)})`);
    assert.equal((await run(f, clock, 1))?.rul_state, 'learning', name);
    f.flush(clock.now());
    assert.equal(JSON.parse(readFileSync(join(dir, 'rul', `${ROBOT}.json`), 'utf8')).tracker.snapshots, 1, `${name}: overwritten by the next save`);
  }
  // unreadable: a directory in place of the file
  const dir = stateDir();
  mkdirSync(join(dir, 'rul', `${ROBOT}.json`), { recursive: true });
  const { log, lines } = recordingLog();
  const f = feed(new RulStateStore(dir, log), m);
  assert.equal(f.tracker.snapshots, 0);
  assert.ok(lines.some((l) => l.code === 'RUL_STATE_UNREADABLE'), JSON.stringify(lines));
  // and a save that cannot write is logged, the feed runs on
  assert.ok(await run(f, clock, 1));
  f.flush(clock.now());
  assert.ok(lines.some((l) => l.code === 'RUL_STATE_WRITE_FAILED'), JSON.stringify(lines));
});
