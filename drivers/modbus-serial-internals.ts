/**
 * The two places where fabwatch reaches past modbus-serial's public API, kept in this one file and
 * pinned to the exact version in package.json (MODBUS_SERIAL_VERSION): an upgrade must pass
 * test/unit/modbus-serial-contract.test.ts, which fails loudly when either internal changes, and
 * when the error texts that modbus-errors.ts classifies change.
 *
 * - `_port._client` (the socket or SerialPort under the client's port): its 'data' events are the
 *   raw bytes of a reply, kept for the error message when the reply is wrong or incomplete. The
 *   public alternative (`isDebugEnabled`, then `err.modbusResponses`) only sees whole frames the
 *   port has already cut, so a short frame before a timeout would be lost.
 * - `_port._buffer` (RTUBufferedPort): keeps bytes across transactions; a short or late reply would
 *   be scanned together with the next one and fail its CRC, so each request starts with it empty.
 *   No public API clears it.
 */
export const MODBUS_SERIAL_VERSION = '8.0.25';

type Emitter = { on(ev: 'data', cb: (d: Buffer) => void): void };
/** What this file reads of a modbus-serial client. */
export interface ClientInternals {
  _port?: { _client?: Emitter; _buffer?: Buffer };
}

/** The internals this version needs and that `client` lacks (empty when all are there). */
export function missingInternals(client: ClientInternals, kind: 'tcp' | 'rtu'): string[] {
  const missing: string[] = [];
  if (typeof client._port?._client?.on !== 'function') missing.push('_port._client.on');
  if (kind === 'rtu' && !Buffer.isBuffer(client._port?._buffer)) missing.push('_port._buffer');
  return missing;
}

/** Calls `onBytes` with every chunk of raw bytes the link receives. */
export function tapRawBytes(client: ClientInternals, onBytes: (d: Buffer) => void): void {
  client._port?._client?.on('data', (d) => onBytes(Buffer.from(d)));
}

/** Drops bytes an RTU buffered port still holds from an earlier transaction (no-op on TCP). */
export function clearReceiveBuffer(client: ClientInternals): void {
  if (client._port && client._port._buffer) client._port._buffer = Buffer.alloc(0);
}
