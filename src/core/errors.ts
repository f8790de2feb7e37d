/**
 * Errors with stable codes. Every code is listed in docs/error-codes.md with what an operator
 * should do about it; tests and clients match on `code`, never on the message.
 */
export class FabwatchError extends Error {
  readonly code: string;
  readonly details?: Record<string, unknown>;
  constructor(code: string, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FabwatchError';
    this.code = code;
    if (details) this.details = details;
  }
}

/** Stable error codes used across components. */
export const ErrorCode = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  CONFIG_UNREADABLE: 'CONFIG_UNREADABLE',
  COMPONENT_START_FAILED: 'COMPONENT_START_FAILED',
  COMPONENT_STOP_FAILED: 'COMPONENT_STOP_FAILED',
  DEVICE_ID_MISMATCH: 'DEVICE_ID_MISMATCH',
  DEVICE_IO: 'DEVICE_IO',
  DEVICE_UNAVAILABLE: 'DEVICE_UNAVAILABLE',
  NATIVE_MODULE_MISSING: 'NATIVE_MODULE_MISSING',
  MODBUS_IO: 'MODBUS_IO',
  UPLINK_DOWN: 'UPLINK_DOWN',
  API_NOT_FOUND: 'NOT_FOUND',
  API_BAD_REQUEST: 'BAD_REQUEST',
} as const;

export function errorCode(err: unknown): string {
  if (err instanceof FabwatchError) return err.code;
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return 'INTERNAL';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
