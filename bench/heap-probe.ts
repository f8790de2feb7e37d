/**
 * Is RSS growth a JS heap leak? Runs the simulated gateway in-process (MQTT off) and prints heap
 * used after a forced GC every 20 s. `node --expose-gc --import tsx bench/heap-probe.ts [seconds]`
 */
import pino from 'pino';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText, validateConfig } from '../src/config/load.js';
import { systemClock } from '../src/core/clock.js';
import { createGateway } from '../src/gateway.js';
import { applyProcessSettings } from '../src/cli/process-settings.js';
import { repoRoot } from '../test/helpers/gateway-process.js';

const seconds = Number(process.argv[2] ?? 180);
const raw = parseConfigText(readFileSync(join(repoRoot, 'config/simulated.yaml'), 'utf8'), 'simulated.yaml') as Record<string, any>;
raw.gateway.stateDir = mkdtempSync(join(tmpdir(), 'fabwatch-heap-'));
raw.mqtt = { enabled: false };
raw.api = { ...raw.api, port: 0, wsPort: 0 };
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const mb = (n: number) => (n / 1048576).toFixed(1);
applyProcessSettings(); // as `fabwatch run` does
const gw = await createGateway(validateConfig(raw, 'heap-probe'), { clock: systemClock, log: pino({ level: 'silent' }) });
await gw.start();
const t0 = Date.now();
while (Date.now() - t0 < seconds * 1000) {
  await new Promise((r) => setTimeout(r, 20_000));
  gc();
  const m = process.memoryUsage();
  console.log(`${Math.round((Date.now() - t0) / 1000)} s  heapUsed ${mb(m.heapUsed)} MB  heapTotal ${mb(m.heapTotal)} MB  external ${mb(m.external)} MB  rss ${mb(m.rss)} MB`);
}
await gw.stop();
process.exit(0);
