import { FabwatchError } from '../src/core/errors.js';

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
