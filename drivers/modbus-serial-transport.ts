import type { ModbusTransport } from './transports.js';
import { FabwatchError, ErrorCode } from '../src/core/errors.js';

export type ModbusLink = { kind: 'tcp'; host: string; port: number; timeoutMs: number } | { kind: 'rtu'; path: string; baudRate: number; timeoutMs: number };

type ModbusRTUClient = {
  connectTCP(host: string, opts: { port: number }): Promise<void>;
  connectRTUBuffered(path: string, opts: { baudRate: number; dataBits: number; parity: string; stopBits: number }): Promise<void>;
  setID(id: number): void;
  setTimeout(ms: number): void;
  readHoldingRegisters(addr: number, len: number): Promise<{ data: number[] }>;
  readInputRegisters(addr: number, len: number): Promise<{ data: number[] }>;
  writeRegister(addr: number, value: number): Promise<unknown>;
  writeRegisters(addr: number, values: number[]): Promise<unknown>;
  close(cb: () => void): void;
  isOpen: boolean;
};

/**
 * ModbusTransport over modbus-serial (TCP, or RTU over serialport). The module is imported only
 * when a configured device needs it. Requests on one link are serialised: a Modbus line serves
 * one request at a time.
 */
export class ModbusSerialTransport implements ModbusTransport {
  private client?: ModbusRTUClient;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly link: ModbusLink) {}

  get where(): string {
    return this.link.kind === 'tcp' ? `tcp://${this.link.host}:${this.link.port}` : `${this.link.path}@${this.link.baudRate}`;
  }

  private async connect(): Promise<ModbusRTUClient> {
    if (this.client?.isOpen) return this.client;
    let ModbusRTU: new () => ModbusRTUClient;
    try {
      ModbusRTU = (await import('modbus-serial')).default as unknown as new () => ModbusRTUClient;
    } catch (err) {
      throw new FabwatchError(ErrorCode.NATIVE_MODULE_MISSING, `modbus-serial is not installed: ${(err as Error).message}`);
    }
    const client = new ModbusRTU();
    client.setTimeout(this.link.timeoutMs);
    if (this.link.kind === 'tcp') await client.connectTCP(this.link.host, { port: this.link.port });
    else await client.connectRTUBuffered(this.link.path, { baudRate: this.link.baudRate, dataBits: 8, parity: 'none', stopBits: 1 });
    this.client = client;
    return client;
  }

  private run<T>(unitId: number, op: (c: ModbusRTUClient) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      const client = await this.connect();
      client.setID(unitId);
      return op(client);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  readHoldingRegisters(unitId: number, address: number, length: number): Promise<number[]> {
    return this.run(unitId, async (c) => (await c.readHoldingRegisters(address, length)).data);
  }

  readInputRegisters(unitId: number, address: number, length: number): Promise<number[]> {
    return this.run(unitId, async (c) => (await c.readInputRegisters(address, length)).data);
  }

  writeRegister(unitId: number, address: number, value: number): Promise<void> {
    return this.run(unitId, async (c) => void (await c.writeRegister(address, value)));
  }

  writeRegisters(unitId: number, address: number, values: number[]): Promise<void> {
    return this.run(unitId, async (c) => void (await c.writeRegisters(address, values)));
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client?.isOpen) await new Promise<void>((resolve) => client.close(() => resolve()));
  }
}
