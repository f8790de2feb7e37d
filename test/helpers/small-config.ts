import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
