import { crc16 } from './modbus-crc.js';
import type { ModbusSlave } from './modbus-slave.js';
import { createSerialPort, type SerialPortHandle } from '../drivers/serial-port.js';
import { systemClock, type Clock } from '../src/core/clock.js';

type Port = SerialPortHandle;

export interface RtuServerOptions {
  path: string;
  baudRate?: number;
  /** Character format, for the time on the wire: 8N1 = 10 bits per character, 8E1 / 8O1 / 8N2 = 11. Default none / 1. */
  parity?: 'none' | 'even' | 'odd';
  stopBits?: 1 | 2;
  /**
   * The clock the answer waits on. Default: the system clock, because the client on the other end
   * of the serial line (modbus-serial) times out on the wall clock.
   */
  clock?: Clock;
  /** Silence (ms) after which a partial frame is discarded (Modbus RTU t3.5; generous on a pty). */
  frameGapMs?: number;
}

/**
 * Modbus RTU slave side on a serial line (a USB RS-485 adapter, or one end of a `socat` pty pair
 * in tests) written on serialport (drivers/serial-port.ts) with the real CRC-16: parses request frames by function code,
 * drops frames with a bad CRC (as a real slave does), answers for every unit the ModbusSlave holds
 * and stays silent for the others, so several simulated slaves can share one line. Scripted faults
 * (bad CRC, short frame, timeout, exception, slow) come from the slave; `disconnected` makes the
 * whole line silent (a cable pulled).
 *
 * A pty passes bytes at once, so the answer is held back for the time the exchange takes on a real
 * line at the configured baud rate (`wireTimeMs`): the request's characters, the 3.5-character
 * silence that ends a frame, and the response's characters.
 */
export class ModbusRtuServer {
  private port?: Port;
  private buf = Buffer.alloc(0);
  private lastByteAt = 0;
  disconnected = false;
  /** Frames received with a bad CRC (the client's). */
  badFrames = 0;

  constructor(readonly slave: ModbusSlave, private readonly opts: RtuServerOptions) {}

  async start(): Promise<void> {
    if (this.port) return;
    const port = await createSerialPort({ path: this.opts.path, baudRate: this.opts.baudRate ?? 19200 });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('data', (d) => this.onData(d));
    port.on('error', () => undefined);
    this.port = port;
  }

  async stop(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private onData(d: Buffer): void {
    const now = performance.now();
    if (now - this.lastByteAt > (this.opts.frameGapMs ?? 50)) this.buf = Buffer.alloc(0);
    this.lastByteAt = now;
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const need = this.frameLength(this.buf);
      if (need === 0 || this.buf.length < need) return;
      if (need < 0) {
        this.buf = Buffer.alloc(0);
        return;
      }
      const frame = this.buf.subarray(0, need);
      this.buf = this.buf.subarray(need);
      if (frame.readUInt16LE(need - 2) !== crc16(frame, need - 2)) {
        this.badFrames++;
        this.buf = Buffer.alloc(0);
        return;
      }
      this.answer(frame[0], Buffer.from(frame.subarray(1, need - 2)), need);
    }
  }

  /** Request length from the function code; 0 = need more bytes, -1 = unknown function. */
  private frameLength(b: Buffer): number {
    if (b.length < 2) return 0;
    switch (b[1]) {
      case 0x03:
      case 0x04:
      case 0x06:
        return 8;
      case 0x10:
        return b.length < 7 ? 0 : 9 + b[6];
      default:
        return -1;
    }
  }

  private answer(unitId: number, pdu: Buffer, requestLength: number): void {
    if (this.disconnected || unitId === 0) return; // 0 = broadcast: never answered
    const reply = this.slave.handle(unitId, pdu);
    if (!reply) return;
    const frame = Buffer.alloc(reply.length + 3);
    frame[0] = unitId;
    reply.copy(frame, 1);
    frame.writeUInt16LE(crc16(frame, frame.length - 2), frame.length - 2);
    const fault = this.slave.fault(unitId);
    let out = frame;
    if (fault?.kind === 'bad_crc') frame[frame.length - 1] ^= 0x5a;
    if (fault?.kind === 'short_frame') out = frame.subarray(0, Math.min(fault.bytes ?? 4, frame.length - 1));
    const send = () => this.port?.write(Buffer.from(out));
    const clock = this.opts.clock ?? systemClock;
    clock.setTimeout(send, rtuWireTimeMs(requestLength, out.length, this.opts) + (fault?.kind === 'slow' ? fault.ms : 0));
  }
}

/** Bits per character on the line: start bit, 8 data bits, the parity bit if any, the stop bits. */
export function rtuBitsPerChar(o: { parity?: 'none' | 'even' | 'odd'; stopBits?: 1 | 2 }): number {
  return 1 + 8 + ((o.parity ?? 'none') === 'none' ? 0 : 1) + (o.stopBits ?? 1);
}

/** Milliseconds from the first request byte to the last response byte on the wire: request, t3.5, response. */
export function rtuWireTimeMs(requestBytes: number, responseBytes: number, o: { baudRate?: number; parity?: 'none' | 'even' | 'odd'; stopBits?: 1 | 2 }): number {
  return ((requestBytes + 3.5 + responseBytes) * rtuBitsPerChar(o) * 1000) / (o.baudRate ?? 19200);
}
