import { DeviceError, DeviceErrorCode, frameHex } from './errors.js';
import { ErrorCode } from '../src/core/errors.js';

/** Standard Modbus exception names (Modbus Application Protocol v1.1b3, section 7). */
export const MODBUS_EXCEPTIONS: Record<number, string> = {
  1: 'ILLEGAL FUNCTION',
  2: 'ILLEGAL DATA ADDRESS',
  3: 'ILLEGAL DATA VALUE',
  4: 'SLAVE DEVICE FAILURE',
  5: 'ACKNOWLEDGE',
  6: 'SLAVE DEVICE BUSY',
  8: 'MEMORY PARITY ERROR',
  10: 'GATEWAY PATH UNAVAILABLE',
  11: 'GATEWAY TARGET DEVICE FAILED TO RESPOND',
};

export interface ModbusRequestInfo {
  where: string;
  unitId: number;
  op: string;
  address: number;
  length?: number;
  timeoutMs?: number;
}

/** A Modbus failure with its stable code, the request and the raw bytes received (if any). */
export class ModbusError extends DeviceError {
  constructor(code: string, message: string, readonly request: ModbusRequestInfo, readonly frame?: Buffer, readonly exceptionCode?: number, cause?: unknown) {
    super(code, message, { ...request, ...(frame && frame.length ? { frame: frameHex(frame) } : {}), ...(exceptionCode !== undefined ? { exceptionCode } : {}) }, cause);
    this.name = 'ModbusError';
  }
}

type RawErr = { name?: string; message?: string; errno?: string; code?: string; modbusCode?: number };

/** Errors that mean the link itself is gone (the port or socket must be reopened). */
export function isLinkError(err: unknown): boolean {
  const e = err as RawErr;
  const tag = e?.errno ?? e?.code ?? '';
  return ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH', 'EBADF', 'EIO', 'Port Not Open'].includes(tag) || e?.name === 'PortNotOpenError' || /Port Not Open|not open|closed/i.test(e?.message ?? '');
}

/**
 * Classify what modbus-serial (or a socket) raised into a named error: exception code, CRC error,
 * short frame (bytes came but not a whole reply), timeout (nothing came), disconnected link.
 */
export function classifyModbusError(err: unknown, req: ModbusRequestInfo, rx: Buffer, linkOpen: boolean): ModbusError {
  if (err instanceof ModbusError) return err;
  const e = (err ?? {}) as RawErr;
  const what = `${req.op} (unit ${req.unitId}, address ${req.address}${req.length ? `, ${req.length} registers` : ''}) on ${req.where}`;
  const raw = rx.length ? ` [raw ${frameHex(rx)}]` : '';
  if (typeof e.modbusCode === 'number') {
    const name = MODBUS_EXCEPTIONS[e.modbusCode] ?? 'UNKNOWN';
    return new ModbusError(DeviceErrorCode.MODBUS_EXCEPTION, `${what}: Modbus exception ${e.modbusCode} ${name}${raw}`, req, rx, e.modbusCode, err);
  }
  const msg = e.message ?? String(err);
  if (/CRC error/i.test(msg)) return new ModbusError(DeviceErrorCode.MODBUS_CRC, `${what}: CRC error in the reply${raw}`, req, rx, undefined, err);
  if (/Data length error|Unexpected data error/i.test(msg)) return new ModbusError(DeviceErrorCode.MODBUS_SHORT_FRAME, `${what}: malformed reply (${msg})${raw}`, req, rx, undefined, err);
  const timedOut = e.name === 'TransactionTimedOutError' || e.errno === 'ETIMEDOUT' || /timed out/i.test(msg);
  if (!linkOpen || isLinkError(err)) return new ModbusError(DeviceErrorCode.MODBUS_DISCONNECTED, `${what}: link down (${e.errno ?? e.code ?? msg})`, req, rx, undefined, err);
  if (timedOut) {
    if (rx.length) return new ModbusError(DeviceErrorCode.MODBUS_SHORT_FRAME, `${what}: incomplete reply, ${rx.length} byte(s) before the ${req.timeoutMs ?? '?'} ms timeout${raw}`, req, rx, undefined, err);
    return new ModbusError(DeviceErrorCode.MODBUS_TIMEOUT, `${what}: no reply within ${req.timeoutMs ?? '?'} ms`, req, rx, undefined, err);
  }
  return new ModbusError(ErrorCode.MODBUS_IO, `${what}: ${msg}${raw}`, req, rx, undefined, err);
}
