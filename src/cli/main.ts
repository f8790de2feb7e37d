import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig, ConfigError } from '../config/load.js';
import { busBudgetIssues } from '../config/bus-budget.js';
import { stateDirProblem } from '../config/state-dir.js';
import { FabwatchError, errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { systemClock } from '../core/clock.js';
import { createGateway } from '../gateway.js';
import { PacedClock } from '../core/paced-clock.js';
import { applyProcessSettings } from './process-settings.js';
import { Notifier } from '../core/sd-notify.js';
import { DataPathLiveness } from '../core/data-path-liveness.js';
import { ProcessGuard } from '../core/process-guard.js';
import { VERSION } from '../version.js';
import { HELP } from './help.js';
import { fromPackageRoot } from '../core/package-root.js';
import { simulateDeviceCommand } from './simulate-device.js';
import { startBenchStalls } from '../core/bench-switches.js';
import { hashTokenCommand } from './hash-token.js';

const EXIT_CONFIG = 2;

function defaultConfigPath(): string {
  if (process.env.FABWATCH_CONFIG) return process.env.FABWATCH_CONFIG;
  const local = resolve('config/simulated.yaml');
  if (existsSync(local)) return local;
  return fromPackageRoot('config/simulated.yaml');
}

function printConfigError(err: unknown): number {
  if (err instanceof ConfigError) {
    process.stderr.write(`fabwatch: invalid configuration (${err.code})\n${err.message}\n`);
    return EXIT_CONFIG;
  }
  if (err instanceof FabwatchError) {
    process.stderr.write(`fabwatch: ${err.message} (${err.code})\n`);
    return EXIT_CONFIG;
  }
  throw err;
}

async function run(configPath: string): Promise<number> {
  let config;
  try {
    config = loadConfig(configPath);
  } catch (err) {
    return printConfigError(err);
  }
  const log = createLogger({ level: config.log.level, pretty: config.log.pretty });
  log.info({ version: VERSION, config: resolve(configPath), gateway: config.gateway.id, simulation: config.gateway.simulation }, 'fabwatch starting');
  for (const w of busBudgetIssues(config).warnings) log.warn({ code: 'I2C_BUS_BUSY', path: w.path }, w.message);
  applyProcessSettings();
  // A simulated fab may run faster than real time on a paced ManualClock (gateway.simulationSpeed).
  const paced = config.gateway.simulation && config.gateway.simulationSpeed > 1 ? new PacedClock(config.gateway.simulationSpeed) : undefined;
  if (paced) log.info({ speed: paced.speed }, 'simulated time runs faster than real time; timestamps run ahead of the wall clock');
  await paced?.start();
  const gateway = await createGateway(config, { clock: paced ?? systemClock, log });
  // Errors nothing else caught: logged with a code and counted; an uncaught exception stops and exits 70.
  const guard = new ProcessGuard({ log, stop: () => gateway.stop() });
  guard.install();
  gateway.metrics?.follow('fabwatch_process_errors_total', 'Errors no handler caught: unhandled_rejection (kept running), uncaught_exception (the process exits 70 and is restarted)', ['kind'], () => Object.entries(guard.counts).map(([kind, n]) => [{ kind }, n]));

  // systemd: READY=1 once started, WATCHDOG=1 only while the data path is healthy (samples
  // acquired and analysed recently, outbox writable), STOPPING=1 on shutdown. Does nothing when
  // NOTIFY_SOCKET is unset (docs/deploy.md).
  // With an acquisition worker, its own progress counts: its heartbeat in the shared ring, and the
  // sample counts it writes there.
  const worker = gateway.acquisitionWorker;
  const dataPath = new DataPathLiveness({ clock: systemClock, maxAnalysisGapMs: 30_000, startupGraceMs: 60_000, expectData: gateway.sensors.size > 0, expectAcquisitionThread: worker !== undefined });
  gateway.state.on('telemetry', () => dataPath.analysed());
  let samplesSeen = -1;
  let beatSeen = -1;
  const notifier = new Notifier({
    clock: systemClock,
    log: log.child({ component: 'systemd' }),
    isHealthy: () => {
      const beat = worker?.heartbeat() ?? -1;
      if (worker && beat !== beatSeen) {
        beatSeen = beat;
        dataPath.acquisitionBeat();
      }
      let total = 0;
      for (const s of gateway.sensors.values()) total += s.stats.samplesAcquired;
      if (total !== samplesSeen) {
        samplesSeen = total;
        dataPath.sampleAcquired();
      }
      const fault = config.mqtt.enabled ? (gateway.uplink.status().outbox?.fault ?? null) : null;
      dataPath.outboxWrite(fault === null, fault?.message);
      return dataPath.isHealthy();
    },
  });

  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    if (stopping) return;
    log.info({ signal }, 'stopping');
    // A stop that hangs must not keep the process alive past the service manager's patience.
    const killer = setTimeout(() => {
      log.error('stop timed out after 5 s; exiting');
      process.exit(1);
    }, 5000);
    killer.unref();
    void notifier.stopping('flushing outbox, closing buses');
    void notifier.stop();
    stopping = gateway.stop().then(async () => {
      await paced?.stop();
      log.info('stopped');
      log.flush?.();
      process.exitCode = 0;
      setImmediate(() => process.exit(0));
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  try {
    await gateway.start();
  } catch (err) {
    log.fatal({ err, code: (err as FabwatchError).code }, errorMessage(err));
    return 1;
  }
  // bench:acquisition only (FABWATCH_BENCH_STALL_MS): synchronous main-thread stalls.
  startBenchStalls((stallMs, everyMs) => log.warn({ stallMs, everyMs }, 'BENCH ONLY: the main thread blocks on purpose (FABWATCH_BENCH_STALL_MS)'));
  const ports = gateway.api?.ports;
  log.info({ rest: ports?.rest, ws: ports?.ws, page: ports ? `http://localhost:${ports.rest}/` : null }, 'fabwatch running');
  await notifier.ready(`${gateway.sensors.size} robots; API ${ports ? ports.rest : 'off'}`);
  await notifier.start();
  return -1; // keep running
}

export async function main(argv: string[]): Promise<number> {
  // Subcommands with their own options parse them themselves.
  if (argv[0] === 'analyze') {
    const { analyzeCommand } = await import('./analyze.js');
    return analyzeCommand(argv.slice(1), process.stdout);
  }
  // Subcommands with their own options are dispatched before the gateway's option parsing.
  if (argv[0] === 'simulate-device') return simulateDeviceCommand(argv.slice(1));
  if (argv[0] === 'hash-token') return hashTokenCommand(argv.slice(1));
  if (argv[0] === 'ingest') {
    const { ingestCommand } = await import('./ingest.js');
    return ingestCommand(argv.slice(1));
  }
  if (argv[0] === 'model') {
    const { modelCommand } = await import('./model.js');
    return modelCommand(argv.slice(1));
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        'check-config': { type: 'string' },
        'print-config': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    process.stderr.write(`fabwatch: ${errorMessage(err)}\n\n${HELP}`);
    return EXIT_CONFIG;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`fabwatch ${VERSION}\n`);
    return 0;
  }
  if (values['check-config'] !== undefined) {
    try {
      const cfg = loadConfig(values['check-config']);
      // What only this machine can tell: can the state directory be used here?
      const dirProblem = stateDirProblem(cfg.gateway.stateDir);
      if (dirProblem) throw new ConfigError(values['check-config'], [{ path: '/gateway/stateDir', message: dirProblem }]);
      for (const w of busBudgetIssues(cfg).warnings) process.stdout.write(`warning: ${w.path}: ${w.message}\n`);
      process.stdout.write(`${values['check-config']}: OK (gateway ${cfg.gateway.id}, ${cfg.robots.length} robot(s), ${cfg.cleanroom.counters.length} counter(s), simulation ${cfg.gateway.simulation})\n`);
      return 0;
    } catch (err) {
      return printConfigError(err);
    }
  }
  const configPath = values.config ?? defaultConfigPath();
  if (values['print-config']) {
    try {
      process.stdout.write(JSON.stringify(loadConfig(configPath), (k, v) => (k === 'password' || k === 'passphrase' ? '***' : v), 2) + '\n');
      return 0;
    } catch (err) {
      return printConfigError(err);
    }
  }
  const command = positionals[0] ?? 'run';
  switch (command) {
    case 'run':
      return run(configPath);

    default:
      process.stderr.write(`fabwatch: unknown command "${command}"\n\n${HELP}`);
      return EXIT_CONFIG;
  }
}

const isEntry = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry || process.env.FABWATCH_CLI === '1') {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code >= 0) process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`fabwatch: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
