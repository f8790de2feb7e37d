import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText, validateConfig } from '../../src/config/load.js';
import type { FabwatchConfig } from '../../src/config/types.js';
import { repoRoot } from './gateway-process.js';

/** A small simulated gateway config (2 robots, short windows, no counter) written to a temp file. */
export function writeSmallConfig(opts: { gatewayId: string; url: string; windowSize?: number; mqtt?: Record<string, unknown>; testAlertIntervalMs?: number }): string {
  const dir = mkdtempSync(join(tmpdir(), 'fabwatch-cfg-'));
  const file = join(dir, `${opts.gatewayId}.json`);
  const robot = (id: string, address: number, seed: number) => ({
    id,
    accelerometer: { driver: 'adxl345', bus: 1, address, odrHz: 1600, simulator: { seed } },
    analysis: { windowSize: opts.windowSize ?? 512, spectrumBins: 16 },
  });
  writeFileSync(
    file,
    JSON.stringify({
      gateway: { id: opts.gatewayId, site: 'main', simulation: true, environment: 'test', testAlertIntervalMs: opts.testAlertIntervalMs ?? 0 },
      mqtt: { url: opts.url, reconnectMinMs: 200, reconnectMaxMs: 2000, ...opts.mqtt },
      api: { port: 0, wsPort: 0 },
      robots: [robot('robot-a', 0x53, 1), robot('robot-b', 0x1d, 2)],
    }),
  );
  return file;
}

/** config/simulated.yaml (the simulated fab's four robots) in-process: state in `stateDir`; MQTT, API, history and counters off. */
export function simulatedFabConfig(stateDir: string, name: string): FabwatchConfig {
  const raw = parseConfigText(readFileSync(join(repoRoot, 'config/simulated.yaml'), 'utf8'), 'simulated.yaml') as Record<string, any>;
  raw.gateway.stateDir = stateDir;
  raw.mqtt = { ...raw.mqtt, enabled: false };
  raw.api = { ...raw.api, enabled: false };
  raw.history = { ...raw.history, enabled: false };
  raw.cleanroom = { ...raw.cleanroom, counters: [] };
  return validateConfig(raw, name);
}
