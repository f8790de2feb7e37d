import { createServer, type Server, type Socket } from 'node:net';
import type { ModbusSlave } from './modbus-slave.js';

/**
 * Modbus TCP slave side (MBAP framing) on node:net, sharing the PDU handling and scripted faults
 * of ModbusSlave with the RTU server. TCP has no CRC: a scripted bad CRC drops the reply. A short
 * frame sends a truncated reply. `disconnect()` drops every connection and refuses new ones until
 * `reconnect()` (a counter rebooting, a switch port going down).
 */
export class ModbusTcpServer {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private refusing = false;
  port = 0;

  constructor(readonly slave: ModbusSlave, private readonly host = '127.0.0.1') {}

  async start(port = 0): Promise<number> {
    if (this.server) return this.port;
    const server = createServer((sock) => this.onConnection(sock));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => resolve());
    });
    this.server = server;
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : port;
    return this.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  disconnect(): void {
    this.refusing = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  reconnect(): void {
    this.refusing = false;
  }

  private onConnection(sock: Socket): void {
    if (this.refusing) {
      sock.destroy();
      return;
    }
    this.sockets.add(sock);
    sock.setNoDelay(true);
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 7) {
        const len = buf.readUInt16BE(4);
        if (buf.length < 6 + len) return;
        const frame = buf.subarray(0, 6 + len);
        buf = buf.subarray(6 + len);
        this.answer(sock, frame);
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => this.sockets.delete(sock));
  }

  private answer(sock: Socket, frame: Buffer): void {
    const tid = frame.readUInt16BE(0);
    const unitId = frame[6];
    const reply = this.slave.handle(unitId, Buffer.from(frame.subarray(7)));
    if (!reply) return;
    const fault = this.slave.fault(unitId);
    if (fault?.kind === 'bad_crc') return;
    const out = Buffer.alloc(7 + reply.length);
    out.writeUInt16BE(tid, 0);
    out.writeUInt16BE(0, 2);
    out.writeUInt16BE(reply.length + 1, 4);
    out[6] = unitId;
    reply.copy(out, 7);
    const send = () => !sock.destroyed && sock.write(fault?.kind === 'short_frame' ? out.subarray(0, Math.min(fault.bytes ?? 9, out.length - 1)) : out);
    if (fault?.kind === 'slow') setTimeout(send, fault.ms);
    else send();
  }
}
