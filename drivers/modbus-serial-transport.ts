import type { ModbusTransport } from './transports.js';
import { FabwatchError, ErrorCode } from '../src/core/errors.js';
import { classifyModbusError, type ModbusRequestInfo } from './modbus-errors.js';
import { clearReceiveBuffer, tapRawBytes, type ClientInternals } from './modbus-serial-internals.js';

export type ModbusLink =
  | { kind: 'tcp'; host: string; port: number; timeoutMs: number }
  | { kind: 'rtu'; path: string; baudRate: number; timeoutMs: number; parity?: 'none' | 'even' | 'odd'; stopBits?: 1 | 2 };

type ModbusRTUClient = ClientInternals & {
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
  /** modbus-serial re-emits port errors (e.g. EIO on write when the adapter is unplugged). */
  on(ev: 'error', cb: (err: Error) => void): void;
};

/**
 * ModbusTransport over modbus-serial (TCP, or RTU over serialport). The module is imported only
 * when a configured device needs it. Requests on one link are serialised (a Modbus line serves one
 * request at a time); each request may carry its own timeout. Failures become named ModbusErrors
 * with the raw bytes received; a link error drops the connection so the next request reopens it.
 */
export class ModbusSerialTransport implements ModbusTransport {
  private client?: ModbusRTUClient;
  private connecting?: Promise<ModbusRTUClient>;
  private queue: Promise<unknown> = Promise.resolve();
  private rx: Buffer[] = [];
  /** Requests sent and failures, for /health. */
  readonly stats = { requests: 0, failures: 0, portErrors: 0 };
  /** The last error the serial port reported by itself (outside a request), for diagnostics. */
  lastPortError: string | null = null;

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
    const old = this.client;
    this.client = undefined;
    if (old) old.close(() => undefined);
    const client = new ModbusRTU();
    // Without a listener, a port error (adapter unplugged mid-write) would be an uncaught
    // exception. The pending request fails by its timeout or its own error and is classified
    // there; here the link is only marked dead, so the next request reopens the port.
    client.on('error', (err) => {
      this.stats.portErrors++;
      this.lastPortError = err.message;
      if (this.client === client) this.client = undefined;
      if (client.isOpen) client.close(() => undefined);
    });
    client.setTimeout(this.link.timeoutMs);
    if (this.link.kind === 'tcp') await client.connectTCP(this.link.host, { port: this.link.port });
    else await client.connectRTUBuffered(this.link.path, { baudRate: this.link.baudRate, dataBits: 8, parity: this.link.parity ?? 'none', stopBits: this.link.stopBits ?? 1 });
    // Record the raw bytes of each reply (for errors: the frame that was wrong).
    tapRawBytes(client, (d) => this.rx.push(d));
    this.client = client;
    return client;
  }

  private run<T>(req: Omit<ModbusRequestInfo, 'where' | 'timeoutMs'>, timeoutMs: number | undefined, op: (c: ModbusRTUClient) => Promise<T>): Promise<T> {
    const info: ModbusRequestInfo = { ...req, where: this.where, timeoutMs: timeoutMs ?? this.link.timeoutMs };
    const next = this.queue.then(async () => {
      this.stats.requests++;
      let client: ModbusRTUClient | undefined;
      try {
        client = await (this.connecting ??= this.connect().finally(() => (this.connecting = undefined)));
        clearReceiveBuffer(client); // a short or late earlier reply must not spoil this one
        this.rx = [];
        client.setID(req.unitId);
        client.setTimeout(info.timeoutMs!);
        return await op(client);
      } catch (err) {
        this.stats.failures++;
        const e = classifyModbusError(err, info, Buffer.concat(this.rx), client?.isOpen ?? false);
        // A link error needs a new connection; so does a torn frame on TCP, where the byte stream
        // has lost its framing (on RTU the next request starts with a cleared buffer instead).
        if (e.code === 'MODBUS_DISCONNECTED' || (this.link.kind === 'tcp' && (e.code === 'MODBUS_SHORT_FRAME' || e.code === 'MODBUS_CRC'))) await this.drop();
        throw e;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async drop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c?.isOpen) await new Promise<void>((resolve) => c.close(() => resolve()));
  }

  readHoldingRegisters(unitId: number, address: number, length: number, timeoutMs?: number): Promise<number[]> {
    return this.run({ unitId, op: 'read holding registers', address, length }, timeoutMs, async (c) => (await c.readHoldingRegisters(address, length)).data);
  }

  readInputRegisters(unitId: number, address: number, length: number, timeoutMs?: number): Promise<number[]> {
    return this.run({ unitId, op: 'read input registers', address, length }, timeoutMs, async (c) => (await c.readInputRegisters(address, length)).data);
  }

  writeRegister(unitId: number, address: number, value: number, timeoutMs?: number): Promise<void> {
    return this.run({ unitId, op: 'write register', address, length: 1 }, timeoutMs, async (c) => void (await c.writeRegister(address, value)));
  }

  writeRegisters(unitId: number, address: number, values: number[], timeoutMs?: number): Promise<void> {
    return this.run({ unitId, op: 'write registers', address, length: values.length }, timeoutMs, async (c) => void (await c.writeRegisters(address, values)));
  }

  async close(): Promise<void> {
    await this.queue;
    await this.drop();
  }
}
