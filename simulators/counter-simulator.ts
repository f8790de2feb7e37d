import type { Clock } from '../src/core/clock.js';
import type { WordOrder } from '../drivers/particle-counter.js';
import { ModbusSlave, type RegisterImage } from './modbus-slave.js';
import { ModbusTcpServer } from './modbus-tcp-server.js';
import { ModbusRtuServer } from './modbus-rtu-server.js';
import { LighthouseRegisters } from './lighthouse-registers.js';
import { MetOneRegisters } from './metone-registers.js';

export type CounterMap = 'lighthouse' | 'metone6000';

export interface SimCounterOptions {
  map: CounterMap;
  unitId: number;
  channelSizesUm: number[];
  isoClass: number;
  sampleTimeS: number;
  flowCfm: number;
  spikeProbability: number;
  seed: number;
  wordOrder?: WordOrder;
}

export type CounterImage = LighthouseRegisters | MetOneRegisters;

export function counterImage(clock: Clock, o: SimCounterOptions): CounterImage {
  return o.map === 'metone6000' ? new MetOneRegisters(clock, { ...o }) : new LighthouseRegisters(clock, { ...o });
}

/**
 * One simulated Modbus line with one or more particle counters on it (unit ids), served over
 * Modbus TCP on loopback and/or Modbus RTU on a serial device (e.g. one end of a pty pair). The
 * gateway's simulated mode and `fabwatch simulate-device` both use it.
 */
export class CounterLineSimulator {
  readonly slave = new ModbusSlave();
  readonly images = new Map<number, CounterImage>();
  tcp?: ModbusTcpServer;
  rtu?: ModbusRtuServer;

  constructor(private readonly clock: Clock) {}

  add(o: SimCounterOptions): CounterImage {
    const image = counterImage(this.clock, o);
    this.images.set(o.unitId, image);
    this.slave.addUnit(o.unitId, image as RegisterImage);
    return image;
  }

  async serveTcp(port = 0, host = '127.0.0.1'): Promise<number> {
    this.tcp ??= new ModbusTcpServer(this.slave, host);
    return this.tcp.start(port);
  }

  /** Serve on a serial line; the answers take their time on the wire at this baud rate and character format. */
  async serveRtu(path: string, baudRate = 19200, format: { parity?: 'none' | 'even' | 'odd'; stopBits?: 1 | 2 } = {}): Promise<void> {
    this.rtu ??= new ModbusRtuServer(this.slave, { path, baudRate, ...format });
    await this.rtu.start();
  }

  async stop(): Promise<void> {
    for (const image of this.images.values()) image.stop();
    await this.tcp?.stop();
    await this.rtu?.stop();
  }
}
