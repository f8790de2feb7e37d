/**
 * The protocol-independent side of a simulated Modbus slave: units (register images) behind one
 * line or socket, PDU handling for function codes 03/04/06/16, and scriptable faults per unit.
 * The RTU (serial) and TCP servers only add framing.
 */

/** A Modbus exception the register image raises (e.g. 0x02 ILLEGAL DATA ADDRESS). */
export class ModbusException extends Error {
  constructor(readonly exceptionCode: number, message = `Modbus exception ${exceptionCode}`) {
    super(message);
  }
}

/** A device's register image as the protocol sees it; addresses are PDU addresses (0-based). */
export interface RegisterImage {
  readHolding(address: number, length: number): number[];
  readInput(address: number, length: number): number[];
  writeHolding(address: number, value: number): void;
}

/**
 * Scriptable faults. `timeout`: the unit does not answer (a dead or unpowered slave);
 * `exception`: it answers every request with that exception code; `bad_crc`: the reply's CRC is
 * corrupted (RTU; on TCP, which has no CRC, the reply is dropped instead); `short_frame`: the reply
 * is cut after `bytes` bytes (a line glitch or a slave reset mid-reply); `slow`: the reply comes
 * after `ms`. `disconnect` is per server (the cable or the TCP peer goes away).
 */
export type UnitFault = { kind: 'timeout' } | { kind: 'exception'; code: number } | { kind: 'bad_crc' } | { kind: 'short_frame'; bytes?: number } | { kind: 'slow'; ms: number };

export class ModbusSlave {
  private readonly units = new Map<number, RegisterImage>();
  private readonly faults = new Map<number, UnitFault>();
  /** Requests seen per unit (including unanswered ones). */
  readonly requests = new Map<number, number>();
  /** Called for every request that reaches the slave (tests measure each unit's cadence with it). */
  onRequest?: (unitId: number, pdu: Buffer) => void;

  addUnit(unitId: number, image: RegisterImage): this {
    this.units.set(unitId, image);
    return this;
  }

  unit(unitId: number): RegisterImage | undefined {
    return this.units.get(unitId);
  }

  setFault(unitId: number, fault: UnitFault | null): void {
    if (fault) this.faults.set(unitId, fault);
    else this.faults.delete(unitId);
  }

  fault(unitId: number): UnitFault | undefined {
    return this.faults.get(unitId);
  }

  /**
   * Answer one request PDU (function code + data) for a unit: the reply PDU, or null when the unit
   * does not answer (absent, or scripted timeout). Exceptions become exception PDUs.
   */
  handle(unitId: number, pdu: Buffer): Buffer | null {
    this.requests.set(unitId, (this.requests.get(unitId) ?? 0) + 1);
    this.onRequest?.(unitId, pdu);
    const image = this.units.get(unitId);
    const fault = this.faults.get(unitId);
    if (!image || fault?.kind === 'timeout') return null;
    const fc = pdu[0];
    if (fault?.kind === 'exception') return Buffer.from([fc | 0x80, fault.code]);
    try {
      switch (fc) {
        case 0x03:
        case 0x04: {
          if (pdu.length < 5) throw new ModbusException(0x03);
          const addr = pdu.readUInt16BE(1);
          const n = pdu.readUInt16BE(3);
          if (n < 1 || n > 125) throw new ModbusException(0x03);
          const values = fc === 0x03 ? image.readHolding(addr, n) : image.readInput(addr, n);
          if (values.length !== n) throw new ModbusException(0x02);
          const out = Buffer.alloc(2 + 2 * n);
          out[0] = fc;
          out[1] = 2 * n;
          values.forEach((v, i) => out.writeUInt16BE(v & 0xffff, 2 + 2 * i));
          return out;
        }
        case 0x06: {
          if (pdu.length < 5) throw new ModbusException(0x03);
          image.writeHolding(pdu.readUInt16BE(1), pdu.readUInt16BE(3));
          return Buffer.from(pdu.subarray(0, 5));
        }
        case 0x10: {
          const addr = pdu.readUInt16BE(1);
          const n = pdu.readUInt16BE(3);
          if (pdu.length < 6 + 2 * n || pdu[5] !== 2 * n) throw new ModbusException(0x03);
          for (let i = 0; i < n; i++) image.writeHolding(addr + i, pdu.readUInt16BE(6 + 2 * i));
          return Buffer.from(pdu.subarray(0, 5));
        }
        default:
          throw new ModbusException(0x01);
      }
    } catch (err) {
      const code = err instanceof ModbusException ? err.exceptionCode : 0x04; // 04 SLAVE DEVICE FAILURE
      return Buffer.from([fc | 0x80, code]);
    }
  }
}

/** Register-range check for images: throws ILLEGAL DATA ADDRESS like a real slave. */
export function checkRange(address: number, length: number, size: number): void {
  if (address < 0 || length < 1 || address + length > size) throw new ModbusException(0x02, 'Illegal data address');
}
