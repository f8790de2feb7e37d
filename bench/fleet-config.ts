/**
 * config/simulated.yaml grown to N robots for the footprint and soak benches: the template robots
 * repeated with new ids, two accelerometers (and two temperature sensors) per simulated I2C bus.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export function simulatedFleet(repoRoot: string, robots: number): Record<string, any> {
  const raw = parse(readFileSync(join(repoRoot, 'config/simulated.yaml'), 'utf8'));
  const template = raw.robots as Array<Record<string, any>>;
  raw.robots = Array.from({ length: robots }, (_, i) => {
    const t = structuredClone(template[i % template.length]);
    t.id = `robot-${String(i + 1).padStart(3, '0')}`;
    t.accelerometer.bus = 1 + Math.floor(i / 2);
    t.accelerometer.address = i % 2 === 0 ? 0x53 : 0x1d;
    t.temperature.bus = t.accelerometer.bus;
    t.temperature.address = 0x48 + (i % 2);
    return t;
  });
  return raw;
}
