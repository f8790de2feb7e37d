import type { I2cBus } from './transports.js';
import { FabwatchError, ErrorCode } from '../src/core/errors.js';

/**
 * Opens /dev/i2c-N through the optional native module i2c-bus. This is the only file that imports
 * it, and only when a configured device is on real hardware.
 */
export async function openLinuxI2cBus(busNumber: number): Promise<I2cBus> {
  let mod: { openPromisified(bus: number): Promise<I2cBus> };
  try {
    mod = (await import('i2c-bus' as string)) as typeof mod;
  } catch (err) {
    throw new FabwatchError(ErrorCode.NATIVE_MODULE_MISSING, `the i2c-bus module is not installed or not built for this machine (needed for /dev/i2c-${busNumber}): ${(err as Error).message}`, { bus: busNumber });
  }
  try {
    return await (mod.openPromisified ?? (mod as unknown as { default: typeof mod }).default.openPromisified)(busNumber);
  } catch (err) {
    throw new FabwatchError(ErrorCode.DEVICE_UNAVAILABLE, `cannot open /dev/i2c-${busNumber}: ${(err as Error).message} (is I2C enabled, and is the user in group i2c?)`, { bus: busNumber });
  }
}
