/**
 * Cost of one LocationMonitor.ingest() (concentrations, rolling mean, best class over 81 steps,
 * margins, alarms, status object). Run: node --import tsx bench/cleanroom-ingest.ts [samples]
 */
import { ManualClock } from '../src/core/clock.js';
import { LocationMonitor } from '../src/cleanroom/location-monitor.js';
import { cleanroomLocationConfig } from '../src/cleanroom/config.js';

const n = Number(process.argv[2] ?? 20000);
const clock = new ManualClock();
const mon = new LocationMonitor({ location: 'bench', counterId: 'pc', config: cleanroomLocationConfig({ configuredClass: 4, averagingSamples: 10 }), clock });
const sizesUm = [0.1, 0.2, 0.3, 0.5, 1, 5];
let seed = 1;
const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
const readings = Array.from({ length: 1000 }, () => {
  const f = rnd() < 0.05 ? 2 : 0.3;
  const c0 = Math.floor(f * 283 * (0.5 + rnd()));
  return [c0, Math.floor(c0 * 0.24), Math.floor(c0 * 0.1), Math.floor(c0 * 0.035), Math.floor(c0 * 0.008), 0];
});
let transitions = 0;
const t0 = performance.now();
for (let i = 0; i < n; i++) {
  clock.advance(6000);
  transitions += mon.ingest({ ts: i * 6000, sizesUm, counts: readings[i % 1000], sampleTimeS: 60, flowCfm: 1, faults: [] }).transitions.length;
}
const ms = performance.now() - t0;
console.log(`${n} ingests in ${ms.toFixed(0)} ms: ${((ms * 1000) / n).toFixed(1)} us per reading (${transitions} transitions)`);
