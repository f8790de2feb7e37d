import { FabwatchError } from '../src/core/errors.js';

/**
 * Stable codes of device-level failures (listed with operator actions in docs/error-codes.md).
 * The generic DEVICE_IO / MODBUS_IO codes remain for failures that fit none of the named ones.
 */
export const DeviceErrorCode = {
  I2C_NACK: 'I2C_NACK',
  I2C_EIO: 'I2C_EIO',
  I2C_TIMEOUT: 'I2C_TIMEOUT',
  ACCEL_CONFIG_INVALID: 'ACCEL_CONFIG_INVALID',
  SENSOR_STUCK: 'SENSOR_STUCK',
  MODBUS_TIMEOUT: 'MODBUS_TIMEOUT',
  MODBUS_EXCEPTION: 'MODBUS_EXCEPTION',
  MODBUS_CRC: 'MODBUS_CRC',
  MODBUS_SHORT_FRAME: 'MODBUS_SHORT_FRAME',
  MODBUS_DISCONNECTED: 'MODBUS_DISCONNECTED',
  DEVICE_CIRCUIT_OPEN: 'DEVICE_CIRCUIT_OPEN',
  COUNTER_STATUS: 'COUNTER_STATUS',
  COUNTER_STALE: 'COUNTER_STALE',
  GPIO_UNAVAILABLE: 'GPIO_UNAVAILABLE',
  GPIO_IO: 'GPIO_IO',
} as const;

/** Device-level failures with the bus, address and (where there is one) the raw frame. */
export class DeviceError extends FabwatchError {
  constructor(code: string, message: string, details: Record<string, unknown>, cause?: unknown) {
    super(code, message, details, cause === undefined ? undefined : { cause });
    this.name = 'DeviceError';
  }
}

export function hex(n: number, width = 2): string {
  return '0x' + n.toString(16).padStart(width, '0');
}

/** Hex dump of a raw frame for logs and error details ("01 03 04 00 2a ..."). */
export function frameHex(frame: Uint8Array | undefined): string | undefined {
  if (!frame || frame.length === 0) return undefined;
  return Array.from(frame, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Map an errno-style I2C failure (what i2c-bus raises: EREMOTEIO / ENXIO for a NACK, EIO,
 * ETIMEDOUT) to a stable code. Anything else stays DEVICE_IO.
 */
export function i2cErrorCode(err: unknown): string {
  const errno = (err as { code?: unknown })?.code;
  if (errno === 'EREMOTEIO' || errno === 'ENXIO') return DeviceErrorCode.I2C_NACK;
  if (errno === 'EIO') return DeviceErrorCode.I2C_EIO;
  if (errno === 'ETIMEDOUT') return DeviceErrorCode.I2C_TIMEOUT;
  return 'DEVICE_IO';
}

/** Wrap a failed I2C transfer in a DeviceError naming the part, bus, address and operation. */
export function i2cError(part: string, busNumber: number, address: number, op: string, err: unknown): DeviceError {
  if (err instanceof DeviceError) return err;
  const code = i2cErrorCode(err);
  const errno = (err as { code?: unknown })?.code;
  return new DeviceError(code, `${part} on /dev/i2c-${busNumber} address ${hex(address)}: ${op} failed: ${(err as Error)?.message ?? String(err)}`, { bus: busNumber, address, op, ...(typeof errno === 'string' ? { errno } : {}) }, err);
}
