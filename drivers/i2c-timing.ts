/**
 * Time on the wire of the I2C transfers the drivers issue through i2c-bus (i2c-dev), in bit times
 * (one SCL period each). Every byte is 8 data bits plus the ACK/NACK bit: 9 bit times. START,
 * repeated START and STOP are counted as one bit time each (their setup/hold times plus the bus-free
 * time between a STOP and the next START come to about one SCL period in standard and fast mode).
 * The adapter's own gaps between transfers (interrupt latency in the Linux driver, tens of
 * microseconds on a Raspberry Pi) are not included: a real bus is busier than this, never less.
 *
 * Shared by the simulated bus (simulators/i2c-bus-sim.ts: each transfer takes this long on the
 * injected clock) and the configuration's bus budget (src/config/bus-budget.ts).
 */

/** SCL clock rates the config accepts: standard mode, fast mode, fast mode plus (Hz). */
export const I2C_SPEEDS_HZ = [100_000, 400_000, 1_000_000] as const;
export const DEFAULT_I2C_SPEED_HZ = 400_000;

const BYTE = 9;
const START = 1;
const STOP = 1;

/**
 * Register read (SMBus read byte data / I2C block read): START, address+W, register, repeated
 * START, address+R, `dataBytes` bytes (the master ACKs all but the last, which it NACKs), STOP.
 */
export function readBits(dataBytes: number): number {
  return START + BYTE + BYTE + START + BYTE + BYTE * dataBytes + STOP;
}

/** Register write (SMBus write byte data / I2C block write): START, address+W, register, data, STOP. */
export function writeBits(dataBytes: number): number {
  return START + BYTE + BYTE + BYTE * dataBytes + STOP;
}

/** A transfer whose address byte nobody acknowledged: START, address, STOP. */
export const NACK_BITS = START + BYTE + STOP;

/** Milliseconds that `bits` bit times take at `speedHz`. */
export function bitsToMs(bits: number, speedHz: number): number {
  return (bits * 1000) / speedHz;
}
