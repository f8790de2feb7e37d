/** Modbus RTU CRC-16 (polynomial 0xA001 reflected, initial 0xFFFF), sent low byte first. */
export function crc16(frame: Uint8Array, length = frame.length): number {
  let crc = 0xffff;
  for (let i = 0; i < length; i++) {
    crc ^= frame[i];
    for (let b = 0; b < 8; b++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** Append the CRC (low byte first) to a frame without one. */
export function withCrc(frame: Buffer): Buffer {
  const out = Buffer.alloc(frame.length + 2);
  frame.copy(out);
  out.writeUInt16LE(crc16(frame), frame.length);
  return out;
}
