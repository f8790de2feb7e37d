import type { RobotConfig } from '../config/types.js';
import type { DeviceFault } from '../core/device-fault.js';

/** What the acquisition worker is started with (workerData): its config slice and the shared ring. */
export interface WorkerInit {
  robots: RobotConfig[];
  simulation: boolean;
  /** gateway.simulationSpeed: > 1 runs the worker's own PacedClock. */
  simulationSpeed: number;
  /** Epoch ms the worker's paced clock starts at (the main clock's now() at spawn). */
  startMs: number;
  logLevel: string;
  /** acquisition.workerNice: this thread's nice value (Linux: per thread). */
  nice: number;
  buffer: SharedArrayBuffer;
  /** Per robot: whether to sample at start (a restarted worker resumes what was running). */
  running: boolean[];
  /** Per robot: samples lost while no worker ran (a crash), added to its count at start. */
  lostOnStart: number[];
  /** I2C bus number -> speedHz (i2cBuses, src/config/bus-budget.ts): the simulated buses take their bit times at it. */
  i2cSpeeds: Record<number, number>;
}

export type ToWorker =
  | { t: 'start' | 'stop'; robot: number; id: number }
  /** Simulation only: an I2C fault on a simulated bus address (null clears it), as gw.simulators.i2c does in-process. */
  | { t: 'i2c-fault'; bus: number; address: number; fault: 'nack' | 'eio' | 'timeout' | null; id: number }
  | { t: 'close' };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'done'; id: number; error?: { code: string; message: string } }
  | { t: 'fault'; robot: number; device: string; fault: DeviceFault | null; faults: DeviceFault[] }
  | { t: 'temperature'; robot: number; celsius: number; ts: number }
  /** Every second: each I2C bus's bus time so far (ms), for /health's measured utilisation. */
  | { t: 'buses'; busy: Array<[bus: number, busyMs: number]> }
  | { t: 'closed' };
