import type { Clock } from '../src/core/clock.js';
import type { LighthouseSimOptions } from './lighthouse-registers.js';
import { CounterLineSimulator } from './counter-simulator.js';
import type { LighthouseRegisters } from './lighthouse-registers.js';

/**
 * One Lighthouse counter (unit 1) served over Modbus TCP: kept for callers of the skeleton's API;
 * new code uses CounterLineSimulator (several units, both maps, TCP and RTU).
 */
export class LighthouseTcpSimulator {
  readonly registers: LighthouseRegisters;
  private readonly line: CounterLineSimulator;
  port = 0;

  constructor(clock: Clock, opts: LighthouseSimOptions, private readonly host = '127.0.0.1') {
    this.line = new CounterLineSimulator(clock);
    this.registers = this.line.add({ map: 'lighthouse', unitId: 1, ...opts }) as LighthouseRegisters;
  }

  async start(port = 0): Promise<number> {
    this.port = await this.line.serveTcp(port || this.port, this.host);
    return this.port;
  }

  async stop(): Promise<void> {
    await this.line.stop();
  }
}
