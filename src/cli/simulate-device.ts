import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { systemClock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import { CounterLineSimulator, type CounterImage } from '../../simulators/counter-simulator.js';
import type { UnitFault } from '../../simulators/modbus-slave.js';

export const SIMULATE_DEVICE_HELP = `Usage: fabwatch simulate-device [options]

Serves a simulated particle counter (register-level, concentrations that drift and spike) so the
gateway, or any Modbus tool, talks to it like real hardware.

  --map lighthouse|metone6000   register map (default lighthouse)
  --port N                      serve Modbus TCP on this port (0 = any free port)
  --host ADDR                   TCP listen address (default 127.0.0.1)
  --serial PATH                 serve Modbus RTU on a serial device, e.g. /dev/ttyUSB0 or one end
                                of a pty pair: socat -d -d pty,raw,echo=0 pty,raw,echo=0
  --baud N                      RTU baud rate (default 19200, 8N1)
  --unit N                      Modbus unit id (default 1); repeat --unit for several counters
                                on one line
  --channels LIST               channel sizes in um (default 0.3,0.5,1,5)
  --iso-class N                 typical ISO 14644-1 class of the simulated air (default 5)
  --sample-time S               sample time, seconds (default 60)
  --flow CFM                    flow, ft3/min (default 1)
  --spike P                     chance of a particle burst per sample (default 0.02)
  --word-order high_first|low_first   uint32 register order (default high_first)
  --seed N                      random seed (default 7)
  --fault F                     start with a fault on every unit: timeout, exception:CODE,
                                bad_crc, short_frame, stuck
  --no-start                    do not start sampling until a start command arrives
  -h, --help                    this help

While running, lines on standard input script faults (one command per line):
  fault UNIT timeout|exception:CODE|bad_crc|short_frame|slow:MS|stuck|none
  status UNIT BITS              data-status bits of the next records (Lighthouse low byte /
                                Met One register 309: 1 laser, 2 flow, 4 overflow, 8 service)
  disconnect | reconnect        drop / accept TCP connections, silence / wake the RTU line

At least one of --port and --serial is required. Stops on SIGINT / SIGTERM (exit 0).
`;

function parseFault(s: string): UnitFault | 'stuck' {
  if (s === 'stuck') return 'stuck';
  if (s === 'timeout' || s === 'bad_crc' || s === 'short_frame') return { kind: s };
  const m = /^exception:(\d+)$/.exec(s);
  if (m) return { kind: 'exception', code: Number(m[1]) };
  throw new Error(`unknown --fault "${s}" (timeout, exception:CODE, bad_crc, short_frame, stuck)`);
}

function num(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got "${v}"`);
  return n;
}

/**
 * `fabwatch simulate-device`: one simulated Modbus line with one or more counters, over TCP and/or
 * RTU. Resolves with the exit code once stopped by a signal.
 */
export async function simulateDeviceCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        map: { type: 'string', default: 'lighthouse' },
        port: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        serial: { type: 'string' },
        baud: { type: 'string' },
        unit: { type: 'string', multiple: true },
        channels: { type: 'string', default: '0.3,0.5,1,5' },
        'iso-class': { type: 'string' },
        'sample-time': { type: 'string' },
        flow: { type: 'string' },
        spike: { type: 'string' },
        'word-order': { type: 'string', default: 'high_first' },
        seed: { type: 'string' },
        fault: { type: 'string' },
        'no-start': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`fabwatch simulate-device: ${errorMessage(err)}\n\n${SIMULATE_DEVICE_HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(SIMULATE_DEVICE_HELP);
    return 0;
  }
  let line: CounterLineSimulator | undefined;
  try {
    const map = values.map;
    if (map !== 'lighthouse' && map !== 'metone6000') throw new Error(`--map must be lighthouse or metone6000, got "${map}"`);
    if (values.port === undefined && values.serial === undefined) throw new Error('give --port (Modbus TCP) and/or --serial (Modbus RTU)');
    const wordOrder = values['word-order'];
    if (wordOrder !== 'high_first' && wordOrder !== 'low_first') throw new Error('--word-order must be high_first or low_first');
    const channelSizesUm = values.channels.split(',').map((s) => Number(s.trim()));
    if (channelSizesUm.some((d, i) => !(d > 0) || (i > 0 && d <= channelSizesUm[i - 1]))) throw new Error('--channels must be increasing positive sizes, e.g. 0.3,0.5,1,5');
    if (map === 'metone6000' && channelSizesUm.length > 4) throw new Error('the Met One 6000 map has 4 channels');
    const units = (values.unit ?? ['1']).map((u) => num('unit', u, 1));
    const fault = values.fault ? parseFault(values.fault) : undefined;
    line = new CounterLineSimulator(systemClock);
    const images: CounterImage[] = [];
    for (const unitId of units) {
      const image = line.add({
        map,
        unitId,
        channelSizesUm,
        isoClass: num('iso-class', values['iso-class'], 5),
        sampleTimeS: num('sample-time', values['sample-time'], 60),
        flowCfm: num('flow', values.flow, 1),
        spikeProbability: num('spike', values.spike, 0.02),
        seed: num('seed', values.seed, 7) + unitId,
        wordOrder,
      });
      images.push(image);
      if (fault === 'stuck') image.stuck = true;
      else if (fault) line.slave.setFault(unitId, fault);
      if (!values['no-start']) {
        if (map === 'lighthouse') image.writeHolding(1, 11);
        else image.writeHolding(104, 1);
      }
    }
    const where: string[] = [];
    if (values.port !== undefined) where.push(`tcp://${values.host}:${await line.serveTcp(num('port', values.port, 502), values.host)}`);
    if (values.serial !== undefined) {
      await line.serveRtu(values.serial, num('baud', values.baud, 19200));
      where.push(`rtu:${values.serial}@${num('baud', values.baud, 19200)} 8N1`);
    }
    process.stdout.write(`simulate-device: ${map} unit(s) ${units.join(',')} serving on ${where.join(' and ')}${fault ? ` with fault ${values.fault}` : ''}\n`);
  } catch (err) {
    await line?.stop().catch(() => undefined);
    process.stderr.write(`fabwatch simulate-device: ${errorMessage(err)}\n`);
    return 2;
  }
  const sim = line;
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (text) => {
    try {
      process.stdout.write(`simulate-device: ${control(sim, text.trim())}\n`);
    } catch (err) {
      process.stdout.write(`simulate-device: ${errorMessage(err)}\n`);
    }
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  rl.close();
  await line.stop();
  process.stdout.write('simulate-device: stopped\n');
  return 0;
}

/** One control command from standard input; returns what was done. */
export function control(sim: CounterLineSimulator, text: string): string {
  const [cmd, unitText, arg] = text.split(/\s+/);
  if (cmd === 'disconnect' || cmd === 'reconnect') {
    const off = cmd === 'disconnect';
    if (off) sim.tcp?.disconnect();
    else sim.tcp?.reconnect();
    if (sim.rtu) sim.rtu.disconnected = off;
    return off ? 'line disconnected' : 'line reconnected';
  }
  const unit = Number(unitText);
  const image = sim.images.get(unit);
  if (!image) throw new Error(`no unit ${unitText} (units: ${[...sim.images.keys()].join(', ')})`);
  if (cmd === 'fault') {
    image.stuck = arg === 'stuck';
    if (arg === 'none' || arg === 'stuck') sim.slave.setFault(unit, null);
    else if (arg?.startsWith('slow:')) sim.slave.setFault(unit, { kind: 'slow', ms: Number(arg.slice(5)) });
    else {
      const fault = parseFault(arg ?? '');
      if (fault !== 'stuck') sim.slave.setFault(unit, fault);
    }
    return `unit ${unit}: fault ${arg}`;
  }
  if (cmd === 'status') {
    const bits = Number(arg);
    if ('faultBits' in image) image.faultBits = bits;
    else image.statusBits = bits;
    return `unit ${unit}: status bits ${bits}`;
  }
  throw new Error(`unknown command "${text}" (fault, status, disconnect, reconnect)`);
}
