import type { Clock, TimerHandle } from '../src/core/clock.js';
import type { ModbusTransport } from './transports.js';
import { CircuitBreaker, type BreakerState } from './circuit-breaker.js';
import { DeviceError, DeviceErrorCode } from './errors.js';
import { errorCode } from '../src/core/errors.js';

export interface DeviceFaultPolicy {
  /** Per-request timeout for this device, ms. */
  timeoutMs: number;
  /** Extra attempts after a failed request. */
  retries: number;
  /** First delay between attempts, ms; doubles per attempt. The bus is free meanwhile. */
  backoffMs: number;
  /** Consecutive failed operations that open the device's circuit breaker. */
  breakerThreshold: number;
  /** How long the breaker stays open before a probe, ms. */
  breakerOpenMs: number;
}

/** Exception codes worth retrying (the slave is busy or acknowledged a long operation). */
const RETRYABLE_EXCEPTIONS = new Set([5, 6]);

function retryable(err: unknown): boolean {
  const code = errorCode(err);
  if (code === DeviceErrorCode.MODBUS_EXCEPTION) return RETRYABLE_EXCEPTIONS.has((err as { exceptionCode?: number }).exceptionCode ?? 0);
  return code !== 'NATIVE_MODULE_MISSING';
}

interface Waiter {
  device: ModbusDevice;
  resolve(): void;
  since: number;
}

/**
 * One physical Modbus line (a serial port, or one TCP connection) shared by several devices.
 * The transport serialises requests; the bus decides *when* a device that is failing may use the
 * line: only in the gaps of the healthy devices' cadence (each announces when its next poll cycle
 * is due), so a timing-out slave's retries and breaker probes never delay the others. Healthy
 * devices are never held back.
 */
export class ModbusBus {
  private readonly devices = new Set<ModbusDevice>();
  private readonly waiting: Waiter[] = [];
  private inFlight = 0;
  private recheck?: TimerHandle;

  constructor(readonly transport: ModbusTransport, readonly where: string, private readonly clock: Clock, private readonly opts: { guardMs?: number; maxDeferMs?: number; confineFailing?: boolean } = {}) {}

  device(unitId: number, name: string, policy: DeviceFaultPolicy): ModbusDevice {
    const d = new ModbusDevice(this, this.transport, this.clock, unitId, name, policy);
    this.devices.add(d);
    return d;
  }

  /** The earliest time a healthy device needs the line (Infinity when none is waiting for it). */
  private nextHealthyDue(except: ModbusDevice): number {
    let due = Infinity;
    for (const d of this.devices) if (d !== except && d.healthy) due = Math.min(due, d.inCycle ? -Infinity : d.nextDueAt);
    return due;
  }

  /** Wait until a request of `device` may go out. Healthy devices never wait here. */
  async admit(device: ModbusDevice): Promise<void> {
    if (device.healthy || this.opts.confineFailing === false) return;
    if (this.fits(device) && !this.waiting.length) {
      this.inFlight++;
      device.holdsLine = true;
      return;
    }
    await new Promise<void>((resolve) => {
      this.waiting.push({ device, resolve, since: this.clock.monotonic() });
      this.schedule();
    });
  }

  private fits(device: ModbusDevice): boolean {
    const now = this.clock.monotonic();
    const worst = device.policy.timeoutMs + (this.opts.guardMs ?? 20);
    return this.inFlight === 0 && now + worst <= this.nextHealthyDue(device);
  }

  /** Re-evaluate deferred requests (after a request ends, a cycle ends, or time passes). */
  pump(): void {
    for (let i = 0; i < this.waiting.length; i++) {
      const w = this.waiting[i];
      const starved = this.clock.monotonic() - w.since > (this.opts.maxDeferMs ?? 60_000);
      if (w.device.healthy || this.fits(w.device) || starved) {
        this.waiting.splice(i, 1);
        this.inFlight++;
        w.device.holdsLine = true;
        w.resolve();
        return; // one deferred request at a time
      }
    }
    this.schedule();
  }

  private schedule(): void {
    if (!this.waiting.length || this.recheck) return;
    this.recheck = this.clock.setTimeout(() => {
      this.recheck = undefined;
      this.pump();
    }, 25);
  }

  /** A request finished (deferred ones release the reservation they took in pump()). */
  done(device: ModbusDevice): void {
    if (device.holdsLine) {
      device.holdsLine = false;
      this.inFlight--;
    }
    this.pump();
  }

  stop(): void {
    this.recheck?.cancel();
    this.recheck = undefined;
  }

  snapshot(): Array<{ unitId: number; name: string; breaker: BreakerState; consecutiveFailures: number }> {
    return [...this.devices].map((d) => ({ unitId: d.unitId, name: d.name, breaker: d.breaker.state, consecutiveFailures: d.breaker.consecutiveFailures }));
  }
}

/**
 * One slave on a ModbusBus, seen by its driver as a ModbusTransport: every request gets the
 * device's own timeout, retries with exponential backoff (the line is free meanwhile), and goes
 * through the device's circuit breaker. While the breaker is open requests fail fast with
 * DEVICE_CIRCUIT_OPEN (details name the last cause) without touching the line.
 */
export class ModbusDevice implements ModbusTransport {
  readonly breaker: CircuitBreaker;
  nextDueAt = Infinity;
  inCycle = false;
  holdsLine = false;
  private lastError: unknown;
  private lastFailed = false;

  constructor(private readonly bus: ModbusBus, private readonly transport: ModbusTransport, private readonly clock: Clock, readonly unitId: number, readonly name: string, readonly policy: DeviceFaultPolicy) {
    this.breaker = new CircuitBreaker(clock, { failureThreshold: policy.breakerThreshold, openMs: policy.breakerOpenMs });
  }

  /** Answering normally: its requests are never deferred. */
  get healthy(): boolean {
    return !this.lastFailed && this.breaker.state === 'closed';
  }

  /**
   * Run one poll cycle (several requests that belong together) and say when the next is due, so
   * the bus keeps that moment free of failing devices' traffic.
   */
  async cycle<T>(fn: () => Promise<T>, nextDueAt: number): Promise<T> {
    this.inCycle = true;
    try {
      return await fn();
    } finally {
      this.inCycle = false;
      this.nextDueAt = nextDueAt;
      this.bus.pump();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimeout(resolve, ms));
  }

  private async request<T>(op: (timeoutMs: number) => Promise<T>): Promise<T> {
    if (!this.breaker.tryAcquire()) {
      const cause = errorCode(this.lastError);
      throw new DeviceError(DeviceErrorCode.DEVICE_CIRCUIT_OPEN, `${this.name} (unit ${this.unitId} on ${this.bus.where}): circuit open after repeated ${cause}; next probe in ${Math.ceil(this.breaker.retryInMs / 1000)} s`, { unitId: this.unitId, where: this.bus.where, lastCode: cause }, this.lastError);
    }
    const probe = this.breaker.state === 'half_open';
    const attempts = probe ? 1 : 1 + this.policy.retries;
    let err: unknown;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await this.sleep(this.policy.backoffMs * 2 ** (i - 1));
      await this.bus.admit(this);
      try {
        const result = await op(this.policy.timeoutMs);
        this.lastFailed = false;
        this.breaker.success();
        this.bus.done(this);
        return result;
      } catch (e) {
        err = e;
        this.lastFailed = true;
        this.bus.done(this);
        if (!retryable(e)) break;
      }
    }
    this.lastError = err;
    this.breaker.failure();
    throw err;
  }

  readHoldingRegisters(unitId: number, address: number, length: number): Promise<number[]> {
    return this.request((t) => this.transport.readHoldingRegisters(unitId, address, length, t));
  }
  readInputRegisters(unitId: number, address: number, length: number): Promise<number[]> {
    return this.request((t) => this.transport.readInputRegisters(unitId, address, length, t));
  }
  writeRegister(unitId: number, address: number, value: number): Promise<void> {
    return this.request((t) => this.transport.writeRegister(unitId, address, value, t));
  }
  writeRegisters(unitId: number, address: number, values: number[]): Promise<void> {
    return this.request((t) => this.transport.writeRegisters(unitId, address, values, t));
  }
  /** The bus owns the line; closing one device does not close it. */
  async close(): Promise<void> {}
}
