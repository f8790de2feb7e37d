/**
 * A device's current fault as every consumer sees it (robot state, /health, /metrics, alerts): the
 * device, the stable code (docs/error-codes.md), the message and since when (ms since the epoch).
 * In core, not in acquisition, so that state and the counters use it without importing acquisition.
 */
export interface DeviceFault {
  device: string;
  code: string;
  message: string;
  since: number;
}
