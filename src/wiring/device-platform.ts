import type { ParticleCounterConfig, RobotConfig } from '../config/types.js';
import type { Component } from '../core/component.js';
import type { GpioLine, I2cBus } from '../../drivers/transports.js';
import type { ModbusLink } from '../../drivers/modbus-serial-transport.js';
import type { SimI2cBus } from '../../simulators/i2c-bus-sim.js';
import type { SimGpioLine } from '../../simulators/gpio-sim.js';
import type { CounterImage, CounterLineSimulator } from '../../simulators/counter-simulator.js';

/** Simulated devices (simulation mode): I2C buses, counters by id (their register images), Modbus lines, GPIO lines. */
export interface GatewaySimulators {
  i2c: Map<number, SimI2cBus>;
  counters: Map<string, CounterImage>;
  lines: Map<string, CounterLineSimulator>;
  gpio: Map<string, SimGpioLine>;
}

/**
 * Where the devices' transports come from, one factory per device kind: the hardware platform opens
 * /dev/i2c-N, GPIO lines and serial ports (lazily, through the native adapters in drivers/); the
 * simulated platform puts a register-level simulator behind the same transport. The drivers on top
 * are the same either way (devices.ts).
 */
export interface DevicePlatform {
  readonly simulation: boolean;
  /** The raw I2C bus number `n` at its configured SCL speed (devices.ts serialises it); called once per bus. */
  i2cBus(n: number, speedHz: number): I2cBus;
  /** Bus time bus `n` has spent on transfers so far (ms), when the platform models it (the simulated bus); else devices.ts measures it. */
  i2cBusyMs?(n: number): number;
  /** Simulated buses' bus time on or off (Devices.withoutBusTime). */
  busTime?(on: boolean): void;
  /** What answers at a robot's accelerometer address; returns its data-ready line when one is wired. */
  accelerometer(robot: RobotConfig): GpioLine | undefined;
  /** What answers at a robot's temperature sensor address. */
  temperature(robot: RobotConfig & { temperature: NonNullable<RobotConfig['temperature']> }): void;
  /** The link of a Modbus line (serial port or TCP endpoint), called once per line `key`. */
  modbusLine(c: ParticleCounterConfig, key: string): Promise<ModbusLink>;
  /** A particle counter on its line (called for every counter, after its line). */
  counter(c: ParticleCounterConfig, key: string): void;
  /** An output line (the stack light). */
  outputLine(bcm: number, activeLow: boolean): GpioLine;
  /** Started first and stopped last: the simulators' servers and timers (simulation only). */
  readonly component?: Component;
  readonly simulators: GatewaySimulators;
}
