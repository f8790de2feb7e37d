import type { ParticleCounterConfig, RobotConfig } from '../config/types.js';
import type { Clock } from '../core/clock.js';
import type { Component } from '../core/component.js';
import { component } from './component.js';
import type { DevicePlatform } from './device-platform.js';
import type { GpioLine, I2cBus } from '../../drivers/transports.js';
import { Adxl345 } from '../../drivers/adxl345.js';
import { Adxl355 } from '../../drivers/adxl355.js';
import type { Accelerometer } from '../../drivers/accelerometer.js';
import { Tmp102 } from '../../drivers/tmp102.js';
import { LighthouseCounter } from '../../drivers/lighthouse.js';
import { MetOne6000Counter } from '../../drivers/metone6000.js';
import type { ParticleCounterDriver } from '../../drivers/particle-counter.js';
import { ModbusSerialTransport } from '../../drivers/modbus-serial-transport.js';
import { ModbusBus, type ModbusDevice } from '../../drivers/modbus-bus.js';
import { SerializedI2cBus } from '../../drivers/serialized-i2c-bus.js';
import { DEFAULT_I2C_SPEED_HZ } from '../../drivers/i2c-timing.js';

export interface RobotDevices {
  accel: Accelerometer;
  /** The accelerometer's data-ready line, when one is wired. */
  interrupt?: GpioLine;
  temperature?: Tmp102;
}

export interface CounterDevice {
  driver: ParticleCounterDriver;
  /** The counter's slot on its line's ModbusBus (own timeout, retries, circuit breaker). */
  slot: ModbusDevice;
}

/** One I2C bus in use: its configured speed and the bus time its transfers have taken so far. */
export interface I2cBusUsage {
  bus: number;
  speedHz: number;
  /** ms: modelled by the simulated bus; on hardware, the transfers' wall time (an upper bound). */
  busyMs(): number;
}

export interface Devices {
  robot(robot: RobotConfig): RobotDevices;
  counter(c: ParticleCounterConfig): Promise<CounterDevice>;
  outputLine(bcm: number, activeLow: boolean): GpioLine;
  /** The I2C buses opened so far (/health's per-bus utilisation). */
  i2cBuses(): I2cBusUsage[];
  /**
   * Run `fn` (the gateway's start and stop, a robot's start/stop_acquisition) with the simulated
   * buses' bus time off: the drivers' init and standby transfers complete at once, since a test's
   * ManualClock does not move while it waits for them. Nested calls are counted. No effect on hardware.
   */
  withoutBusTime<T>(fn: () => Promise<T>): Promise<T>;
  /** Closes every bus handle; added before the devices so that it stops after them. */
  readonly buses: Component;
  readonly platform: DevicePlatform;
}

/**
 * The drivers on the platform's transports. I2C buses are serialised per bus number; counters on
 * one serial line (or one TCP endpoint) share a ModbusBus: requests serialised, each device with
 * its own timeout, retries and circuit breaker, a failing one confined to the gaps of the others'
 * cadence.
 */
export function createDevices(platform: DevicePlatform, clock: Clock, i2cSpeedHz: (bus: number) => number = () => DEFAULT_I2C_SPEED_HZ): Devices {
  const i2c = new Map<number, SerializedI2cBus>();
  const busFor = (n: number): I2cBus => {
    let bus = i2c.get(n);
    if (!bus) {
      // The simulated bus models its own bus time; on hardware the wrapper measures the transfers.
      bus = new SerializedI2cBus(platform.i2cBus(n, i2cSpeedHz(n)), platform.i2cBusyMs ? undefined : () => clock.monotonic());
      i2c.set(n, bus);
    }
    return bus;
  };
  const lines = new Map<string, { bus: ModbusBus; transport: ModbusSerialTransport }>();
  let untimed = 0;
  const lineKey = (c: ParticleCounterConfig) => (c.transport.kind === 'tcp' ? `tcp://${c.transport.host}:${c.transport.port}` : `rtu:${c.transport.path}`);

  return {
    platform,
    robot(robot) {
      const a = robot.accelerometer;
      const bus = busFor(a.bus);
      const interrupt = platform.accelerometer(robot);
      const t = robot.temperature;
      if (t) {
        busFor(t.bus);
        platform.temperature({ ...robot, temperature: t });
      }
      const accel: Accelerometer =
        a.driver === 'adxl355'
          ? new Adxl355({ bus, busNumber: a.bus, address: a.address, odrHz: a.odrHz, rangeG: a.rangeG, highPassCode: a.highPassCode, watermark: a.watermark, interrupt: interrupt !== undefined })
          : new Adxl345({ bus, busNumber: a.bus, address: a.address, odrHz: a.odrHz, rangeG: a.rangeG, watermark: a.watermark, interrupt: interrupt !== undefined });
      return { accel, interrupt, temperature: t ? new Tmp102(busFor(t.bus), t.bus, t.address) : undefined };
    },
    async counter(c) {
      const key = lineKey(c);
      let line = lines.get(key);
      if (!line) {
        const transport = new ModbusSerialTransport(await platform.modbusLine(c, key));
        line = { bus: new ModbusBus(transport, transport.where, clock), transport };
        lines.set(key, line);
      }
      platform.counter(c, key);
      const { bus, transport } = line;
      const slot = bus.device(c.unitId, c.id, { timeoutMs: c.transport.timeoutMs, retries: c.faults.retries, backoffMs: c.faults.backoffMs, breakerThreshold: c.faults.breakerThreshold, breakerOpenMs: c.faults.breakerOpenMs });
      const common = { transport: slot, unitId: c.unitId, channelSizesUm: c.channelSizesUm, where: transport.where, wordOrder: c.wordOrder, sampleTimeS: c.sampleTimeS, environment: c.environment };
      return { driver: c.map === 'metone6000' ? new MetOne6000Counter(common) : new LighthouseCounter(common), slot };
    },
    outputLine: (bcm, activeLow) => platform.outputLine(bcm, activeLow),
    async withoutBusTime(fn) {
      if (untimed++ === 0) platform.busTime?.(false);
      try {
        return await fn();
      } finally {
        if (--untimed === 0) platform.busTime?.(true);
      }
    },
    i2cBuses: () => [...i2c.entries()].sort(([a], [b]) => a - b).map(([n, bus]) => ({ bus: n, speedHz: i2cSpeedHz(n), busyMs: () => platform.i2cBusyMs?.(n) ?? bus.busyMs })),
    buses: component('buses', () => undefined, async () => {
      for (const { bus, transport } of lines.values()) {
        bus.stop();
        await transport.close().catch(() => undefined);
      }
      for (const b of i2c.values()) await b.close().catch(() => undefined);
    }),
  };
}
