/**
 * The acquisition worker thread's entry (acquisition.thread: worker): owns the robots' drivers and
 * their polling, FIFO reads and window assembly, on its own event loop, so a stall of the main
 * thread (analysis, SQLite, HTTP, GC) cannot overflow a FIFO. Windows are assembled straight into
 * the shared ring (shared-ring.ts); stats and a heartbeat are written there too; faults and
 * temperatures (rare) are posted. In simulation the simulators are built here, behind the same
 * transports the hardware adapters implement (simulated-platform.ts), and on hardware the native
 * adapters are loaded here, lazily. Bundled as dist/acquisition-worker.mjs (build.mjs).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { getPriority, setPriority } from 'node:os';
import { systemClock, type Clock } from '../core/clock.js';
import { PacedClock } from '../core/paced-clock.js';
import { createLogger } from '../core/logger.js';
import { errorCode, errorMessage } from '../core/errors.js';
import { LoopDelay } from '../core/loop-delay.js';
import { RobotSensors } from '../acquisition/robot-sensors.js';
import { AcquisitionRing, readStats, writeLoopDelay, writeStats } from '../acquisition/shared-ring.js';
import type { FromWorker, ToWorker, WorkerInit } from '../acquisition/worker-protocol.js';
import { simulatedPlatform } from './simulated-platform.js';
import { hardwarePlatform } from './hardware-platform.js';
import { createDevices } from './devices.js';
import { DEFAULT_I2C_SPEED_HZ } from '../../drivers/i2c-timing.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);
const log = createLogger({ level: init.logLevel, pretty: false }).child({ thread: 'acquisition' });
const paced = init.simulation && init.simulationSpeed > 1 ? new PacedClock(init.simulationSpeed, init.startMs) : undefined;
const clock: Clock = paced ?? systemClock;
const platform = init.simulation ? simulatedPlatform(clock) : hardwarePlatform();
const devices = createDevices(platform, clock, (bus) => init.i2cSpeeds[bus] ?? DEFAULT_I2C_SPEED_HZ);
const ring = new AcquisitionRing(init.buffer, init.robots.map((r) => r.analysis.windowSize));

const sensors = init.robots.map((robot, i) => {
  const a = robot.accelerometer;
  const { accel, interrupt, temperature } = devices.robot(robot);
  const shared = ring.robots[i];
  const s: RobotSensors = new RobotSensors({
    robotId: robot.id,
    accel,
    accelName: `${robot.id}/accelerometer`,
    odrHz: a.odrHz,
    pollIntervalMs: a.pollIntervalMs,
    interrupt,
    stuckSamples: a.stuckSamples,
    windowSize: robot.analysis.windowSize,
    windowSlots: shared.slots,
    temperature,
    temperatureName: `${robot.id}/temperature`,
    clock,
    log: log.child({ robot: robot.id }),
    events: {
      onWindow(w) {
        let slot = 0;
        while (shared.slots[slot].x !== w.x) slot++;
        shared.header[3 * slot] = w.t0;
        shared.header[3 * slot + 1] = w.t1;
        shared.header[3 * slot + 2] = w.lostBefore;
        writeStats(shared.stats, s.stats);
        Atomics.store(shared.seq, slot, s.stats.windows); // published last: the main thread reads it first
      },
      onTemperature: (_id, celsius, ts) => post({ t: 'temperature', robot: i, celsius, ts }),
      // RobotSensors records the fault just after this event: send its list once it has.
      onFault: (_id, fault, device) => queueMicrotask(() => post({ t: 'fault', robot: i, device, fault, faults: s.faults })),
    },
  });
  // A restarted worker continues the counts, and counts what nobody sampled while it was down.
  readStats(shared.stats, s.stats);
  s.stats.mode = 'polling';
  s.stats.samplesLost += init.lostOnStart[i] ?? 0;
  return s;
});

const loopDelay = new LoopDelay();
let beat: ReturnType<typeof setInterval> | undefined;
let loopTimer: ReturnType<typeof setInterval> | undefined;
const publishStats = () => {
  for (let i = 0; i < sensors.length; i++) writeStats(ring.robots[i].stats, sensors[i].stats);
  Atomics.add(ring.heartbeat, 0, 1);
};

/** On Linux the nice value is per thread: pid 0 is this worker thread alone. */
function raisePriority(): void {
  try {
    if (getPriority(0) !== init.nice) setPriority(0, init.nice);
  } catch (err) {
    log.info({ code: 'ACQUISITION_PRIORITY_DENIED', nice: init.nice }, `acquisition worker keeps the process's priority (nice ${getPriority(0)}): ${errorMessage(err)}; grant CAP_SYS_NICE to raise it`);
  }
}

async function start(): Promise<void> {
  raisePriority();
  await paced?.start();
  await platform.component?.start();
  loopDelay.start();
  beat = setInterval(publishStats, 10);
  loopTimer = setInterval(() => {
    writeLoopDelay(ring.loopDelay, loopDelay.snapshot());
    post({ t: 'buses', busy: devices.i2cBuses().map((b) => [b.bus, b.busyMs()]) });
  }, 1000);
  publishStats();
  for (let i = 0; i < sensors.length; i++) if (init.running[i]) await sensors[i].start();
  post({ t: 'ready' });
}

async function close(): Promise<void> {
  for (const s of sensors) await s.stop();
  publishStats();
  clearInterval(beat);
  clearInterval(loopTimer);
  loopDelay.stop();
  await platform.component?.stop();
  await devices.buses.stop();
  await paced?.stop();
  port.off('message', onMessage);
  // On hardware this thread must not end by itself (its native addons may not survive an isolate
  // teardown, see AcquisitionWorkerHost.stop): it idles until the process exits.
  if (!init.simulation) setInterval(() => undefined, 1 << 30);
  post({ t: 'closed' });
}

function onMessage(m: ToWorker): void {
  if (m.t === 'close') {
    void close();
    return;
  }
  if (m.t === 'i2c-fault') {
    const bus = platform.simulators.i2c.get(m.bus);
    bus?.setFault(m.address, m.fault);
    post({ t: 'done', id: m.id, ...(bus ? {} : { error: { code: 'NOT_FOUND', message: `no simulated I2C bus ${m.bus} in the acquisition worker` } }) });
    return;
  }
  const s = sensors[m.robot];
  (m.t === 'start' ? s.start() : s.stop()).then(
    () => {
      publishStats();
      post({ t: 'done', id: m.id });
    },
    (err) => post({ t: 'done', id: m.id, error: { code: errorCode(err), message: errorMessage(err) } }),
  );
}

port.on('message', onMessage);
await start();
