/**
 * The small transport interfaces drivers depend on. Real implementations wrap i2c-bus,
 * modbus-serial and onoff (loaded lazily, only when a configured device needs them); the
 * simulators in simulators/ and test fakes implement the same interfaces.
 */

/** The promise subset of i2c-bus's `PromisifiedBus` that the drivers use. */
export interface I2cBus {
  readByte(address: number, register: number): Promise<number>;
  writeByte(address: number, register: number, byte: number): Promise<void>;
  readI2cBlock(address: number, register: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }>;
  writeI2cBlock(address: number, register: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }>;
  close(): Promise<void>;
}

/**
 * The modbus-serial client subset the particle-counter drivers use (one unit id per call).
 * `timeoutMs` overrides the link's default for one request (each device has its own).
 */
export interface ModbusTransport {
  readHoldingRegisters(unitId: number, address: number, length: number, timeoutMs?: number): Promise<number[]>;
  readInputRegisters(unitId: number, address: number, length: number, timeoutMs?: number): Promise<number[]>;
  writeRegister(unitId: number, address: number, value: number, timeoutMs?: number): Promise<void>;
  writeRegisters(unitId: number, address: number, values: number[], timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export type Edge = 'rising' | 'falling' | 'both';

/** One GPIO line (data-ready input or alarm output). */
export interface GpioLine {
  read(): Promise<0 | 1>;
  write(value: 0 | 1): Promise<void>;
  watch(edge: Edge, callback: (value: 0 | 1) => void): () => void;
  close(): Promise<void>;
}
