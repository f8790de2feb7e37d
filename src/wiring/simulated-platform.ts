import type { Clock } from '../core/clock.js';
import type { DevicePlatform, GatewaySimulators } from './device-platform.js';
import { component } from './component.js';
import type { GpioLine } from '../../drivers/transports.js';
import { SimI2cBus } from '../../simulators/i2c-bus-sim.js';
import { Adxl345Sim } from '../../simulators/adxl345-sim.js';
import { Adxl355Sim } from '../../simulators/adxl355-sim.js';
import { SimGpioLine } from '../../simulators/gpio-sim.js';
import { CounterLineSimulator } from '../../simulators/counter-simulator.js';
import { freePort } from '../../simulators/free-port.js';
import { Tmp102Sim } from '../../simulators/tmp102-sim.js';
import { VibrationModel } from '../../simulators/vibration-model.js';

/** Bearing of a simulated robot whose config names none (a 6204-size deep-groove bearing). */
const DEFAULT_SIM_BEARING = { nBalls: 8, ballDiameterMm: 7.94, pitchDiameterMm: 33.5, contactAngleDeg: 0 };

/**
 * Simulation mode: every device is its register-level simulator behind the real transport
 * interface (an in-process I2C bus, a Modbus server on a loopback TCP port, simulated GPIO lines),
 * so the real drivers run against them.
 */
export function simulatedPlatform(clock: Clock): DevicePlatform {
  const simulators: GatewaySimulators = { i2c: new Map(), counters: new Map(), lines: new Map(), gpio: new Map() };
  /** Simulator timers (the data-ready line models), started with the simulators component. */
  const timers: Array<{ start(): void; stop(): void }> = [];
  const ports = new Map<string, number>();
  return {
    simulation: true,
    i2cBus(n, speedHz) {
      const bus = new SimI2cBus(n, { clock, speedHz });
      simulators.i2c.set(n, bus);
      return bus;
    },
    i2cBusyMs: (n) => simulators.i2c.get(n)?.busyMs ?? 0,
    busTime(on) {
      for (const bus of simulators.i2c.values()) bus.setBusTime(on);
    },
    accelerometer(robot): GpioLine | undefined {
      const a = robot.accelerometer;
      const simCfg = { ...a.simulator, shaftHz: a.simulator.shaftHz ?? robot.asset.shaftHz ?? 29.5, bearing: a.simulator.bearing ?? robot.asset.bearing ?? DEFAULT_SIM_BEARING };
      const model = new VibrationModel(simCfg);
      const part = a.driver === 'adxl355' ? new Adxl355Sim(clock, model) : new Adxl345Sim(clock, model);
      simulators.i2c.get(a.bus)!.attach(a.address, part);
      if (a.interruptGpio === undefined) return undefined;
      const line = new SimGpioLine(`gpio${a.interruptGpio}`, 'in');
      simulators.gpio.set(line.name, line);
      timers.push({ start: () => part.attachInterrupt(line, 5), stop: () => part.detachInterrupt() });
      return line;
    },
    temperature(robot) {
      const t = robot.temperature;
      simulators.i2c.get(t.bus)!.attach(t.address, new Tmp102Sim(clock, t.simulator.baseC, t.simulator.swingC));
    },
    async modbusLine(c, key) {
      simulators.lines.set(key, new CounterLineSimulator(clock));
      const port = (c.transport.kind === 'tcp' && c.transport.port) || (await freePort());
      ports.set(key, port);
      return { kind: 'tcp', host: '127.0.0.1', port, timeoutMs: c.transport.timeoutMs };
    },
    counter(c, key) {
      const image = simulators.lines.get(key)!.add({ map: c.map, unitId: c.unitId, channelSizesUm: c.channelSizesUm, wordOrder: c.wordOrder, ...c.simulator });
      simulators.counters.set(c.id, image);
    },
    outputLine(bcm) {
      const line = new SimGpioLine(`gpio${bcm}`, 'out');
      simulators.gpio.set(line.name, line);
      return line;
    },
    component: component(
      'simulators',
      async () => {
        for (const [key, line] of simulators.lines) await line.serveTcp(ports.get(key));
        for (const t of timers) t.start();
      },
      async () => {
        for (const line of simulators.lines.values()) await line.stop();
        for (const t of timers) t.stop();
      },
    ),
    simulators,
  };
}
