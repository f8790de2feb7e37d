import { FabwatchError, ErrorCode } from '../src/core/errors.js';

/** The part of serialport's SerialPort that fabwatch uses. */
export interface SerialPortHandle {
  open(cb: (err: Error | null) => void): void;
  close(cb: (err: Error | null) => void): void;
  write(data: Buffer): boolean;
  on(ev: 'data', cb: (d: Buffer) => void): void;
  on(ev: 'error', cb: (e: Error) => void): void;
  isOpen: boolean;
}

export interface SerialPortOptions {
  path: string;
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  parity?: 'none' | 'even' | 'odd';
  stopBits?: 1 | 2;
}

/**
 * The only file that imports serialport (a native module), lazily: a closed port on `path` (call
 * open()). modbus-serial loads it by itself for the client side (drivers/modbus-serial-transport.ts);
 * this is for code that speaks raw bytes on a line, e.g. the Modbus RTU slave simulator.
 */
export async function createSerialPort(o: SerialPortOptions): Promise<SerialPortHandle> {
  let SerialPort: new (o: object) => SerialPortHandle;
  try {
    ({ SerialPort } = (await import('serialport')) as unknown as { SerialPort: new (o: object) => SerialPortHandle });
  } catch (err) {
    throw new FabwatchError(ErrorCode.NATIVE_MODULE_MISSING, `serialport is not installed: ${(err as Error).message}`);
  }
  return new SerialPort({ path: o.path, baudRate: o.baudRate, dataBits: o.dataBits ?? 8, parity: o.parity ?? 'none', stopBits: o.stopBits ?? 1, autoOpen: false });
}
