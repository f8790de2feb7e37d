import type { DevicePlatform } from './device-platform.js';
import type { GpioLine } from '../../drivers/transports.js';
import { LazyGpioLine, openOnoffLine } from '../../drivers/gpio-onoff.js';
import { LazyI2cBus } from '../../drivers/lazy-i2c-bus.js';
import { openLinuxI2cBus } from '../../drivers/i2c-linux.js';

/** The gateway's real devices: /dev/i2c-N, GPIO lines and serial ports, each opened on first use. */
export function hardwarePlatform(): DevicePlatform {
  return {
    simulation: false,
    i2cBus: (n) => new LazyI2cBus(() => openLinuxI2cBus(n)),
    accelerometer(robot): GpioLine | undefined {
      const bcm = robot.accelerometer.interruptGpio;
      return bcm === undefined ? undefined : new LazyGpioLine(() => openOnoffLine({ bcm, direction: 'in', edge: 'rising' }));
    },
    temperature: () => undefined,
    async modbusLine(c) {
      return c.transport.kind === 'tcp'
        ? { kind: 'tcp', host: c.transport.host, port: c.transport.port, timeoutMs: c.transport.timeoutMs }
        : { kind: 'rtu', path: c.transport.path!, baudRate: c.transport.baudRate, parity: c.transport.parity, stopBits: c.transport.stopBits, timeoutMs: c.transport.timeoutMs };
    },
    counter: () => undefined,
    outputLine: (bcm, activeLow) => new LazyGpioLine(() => openOnoffLine({ bcm, direction: 'out', activeLow })),
    simulators: { i2c: new Map(), counters: new Map(), lines: new Map(), gpio: new Map() },
  };
}
