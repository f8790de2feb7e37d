import type { Clock } from '../src/core/clock.js';
import { LighthouseRegisters, type LighthouseSimOptions } from './lighthouse-registers.js';
import { freePort } from './free-port.js';

type ServerTCP = { on(ev: string, cb: (...a: unknown[]) => void): void; close(cb: () => void): void; socks?: Map<{ destroy(): void }, unknown> };

/** Modbus exception for an address outside the register image (0x02 ILLEGAL DATA ADDRESS). */
function illegalAddress(): never {
  throw { modbusErrorCode: 0x02, msg: 'Illegal data address' };
}

/**
 * The Lighthouse register image served as a real Modbus TCP server (modbus-serial's ServerTCP:
 * real MBAP framing) so the gateway's driver talks to it over a socket like real hardware.
 */
export class LighthouseTcpSimulator {
  readonly registers: LighthouseRegisters;
  private server?: ServerTCP;
  port = 0;

  constructor(clock: Clock, opts: LighthouseSimOptions, private readonly host = '127.0.0.1') {
    this.registers = new LighthouseRegisters(clock, opts);
  }

  async start(port = 0): Promise<number> {
    if (this.server) return this.port;
    const { ServerTCP } = (await import('modbus-serial')) as unknown as { ServerTCP: new (vector: object, opts: object) => ServerTCP };
    this.port = port || (await freePort(this.host));
    const regs = this.registers;
    const inRange = (a: number, n: number, size: number) => (a + n <= size ? undefined : illegalAddress());
    const vector = {
      getInputRegister: (addr: number) => (inRange(addr, 1, regs.input.length), regs.readInput(addr, 1)[0]),
      getMultipleInputRegisters: (addr: number, length: number) => (inRange(addr, length, regs.input.length), regs.readInput(addr, length)),
      getHoldingRegister: (addr: number) => (inRange(addr, 1, regs.holding.length), regs.readHolding(addr, 1)[0]),
      getMultipleHoldingRegisters: (addr: number, length: number) => (inRange(addr, length, regs.holding.length), regs.readHolding(addr, length)),
      setRegister: (addr: number, value: number) => (inRange(addr, 1, regs.holding.length), regs.writeHolding(addr, value)),
    };
    const server = new ServerTCP(vector, { host: this.host, port: this.port, unitID: 255 });
    await new Promise<void>((resolve, reject) => {
      server.on('initialized', () => resolve());
      server.on('serverError', (err) => reject(err));
    });
    this.server = server;
    return this.port;
  }

  async stop(): Promise<void> {
    this.registers.stop();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const sock of server.socks?.keys() ?? []) sock.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
