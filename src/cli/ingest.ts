import { parseArgs } from 'node:util';
import { ConfigError } from '../config/load.js';
import { FabwatchError, errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { ingestClientId, loadIngestConfig } from '../ingest/config.js';
import { redactUrl } from '../core/redact-url.js';

export const INGEST_HELP = `fabwatch ingest — the fleet historian: MQTT (shared subscriptions) -> PostgreSQL

Usage:
  fabwatch ingest [--config FILE] [--db URL] [--mqtt URL] [--instance N]
                                     run one worker (run several, here or on other machines,
                                     to share the load: same group, different instance/host)
  fabwatch ingest --report [--gateway ID] [--json] [--db URL]
                                     print stream_progress (latest seq and ts per stream),
                                     stream_gaps (missing seqs) and a summary of rejected
  fabwatch ingest --check-config FILE
                                     validate the ingest and log sections, exit 0/2

Options:
  -c, --config FILE   YAML or JSON file with an 'ingest:' section (optional: defaults apply;
                      a gateway's config file may carry it too)
  --db URL            PostgreSQL URL (else $DATABASE_URL, else ingest.database.url)
  --mqtt URL          broker URL (else $MQTT_URL, else ingest.mqtt.url); MQTT 5 is required
  --instance N        worker number on this machine (default 1): /health and /metrics listen on
                      ingest.http.port + N - 1, the client id ends in -N (systemd: fabwatch-ingest@N)

What it does: applies the schema migrations, creates daily partitions ahead and drops those older
than ingest.retentionDays, subscribes QoS 1 with a persistent session to
$share/<group>/factory/+/+/telemetry, .../alerts, .../cmd/ack, factory/+/gateways/+/status|alerts,
cleanroom/+/status, cleanroom/+/alerts, and writes batches; a message is acknowledged to the
broker only after its transaction committed. Invalid messages go to the 'rejected' table.
docs/historian.md has the schema, the views and the operations guide.

Environment: DATABASE_URL, MQTT_URL, LOG_LEVEL.
Exit codes: 0 ok, 1 runtime failure, 2 invalid configuration or usage.
`;

const EXIT_CONFIG = 2;

function configError(err: unknown): number {
  if (err instanceof ConfigError) {
    process.stderr.write(`fabwatch ingest: invalid configuration (${err.code})\n${err.message}\n`);
    return EXIT_CONFIG;
  }
  if (err instanceof FabwatchError) {
    process.stderr.write(`fabwatch ingest: ${err.message} (${err.code})\n`);
    return EXIT_CONFIG;
  }
  throw err;
}

/** `fabwatch ingest ...`; resolves with the exit code, or -1 while the worker keeps running. */
export async function ingestCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        config: { type: 'string', short: 'c' },
        db: { type: 'string' },
        mqtt: { type: 'string' },
        instance: { type: 'string' },
        report: { type: 'boolean' },
        gateway: { type: 'string' },
        json: { type: 'boolean' },
        'check-config': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`fabwatch ingest: ${errorMessage(err)}\n\n${INGEST_HELP}`);
    return EXIT_CONFIG;
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(INGEST_HELP);
    return 0;
  }
  const instance = v.instance === undefined ? 1 : Number(v.instance);
  if (!Number.isInteger(instance) || instance < 1 || instance > 999) {
    process.stderr.write(`fabwatch ingest: --instance must be an integer 1..999, got "${v.instance}"\n`);
    return EXIT_CONFIG;
  }
  let cfg;
  try {
    cfg = loadIngestConfig(v['check-config'] ?? v.config ?? process.env.FABWATCH_CONFIG, process.env, { db: v.db, mqtt: v.mqtt });
  } catch (err) {
    return configError(err);
  }
  if (v['check-config'] !== undefined) {
    process.stdout.write(`${v['check-config']}: OK (ingest: database ${redactUrl(cfg.ingest.database.url)}, broker ${redactUrl(cfg.ingest.mqtt.url)}, group ${cfg.ingest.mqtt.group}, retention ${cfg.ingest.retentionDays} d)\n`);
    return 0;
  }
  if (v.report) {
    const { readReport, formatReport } = await import('../ingest/report.js');
    try {
      const r = await readReport(cfg.ingest.database.url, { gateway: v.gateway });
      process.stdout.write(v.json ? JSON.stringify(r, null, 2) + '\n' : formatReport(r));
      return 0;
    } catch (err) {
      process.stderr.write(`fabwatch ingest --report: ${redactUrl(cfg.ingest.database.url)}: ${errorMessage(err)}\n`);
      return 1;
    }
  }
  const log = createLogger({ level: cfg.log.level, pretty: cfg.log.pretty }).child({ component: 'ingest', instance });
  const { IngestService } = await import('../ingest/service.js');
  const service = new IngestService({ config: cfg.ingest, log, instance, clientId: ingestClientId(cfg.ingest, instance) });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'ingest: stopping');
    const killer = setTimeout(() => {
      log.error('ingest: stop timed out after 8 s; exiting (unacknowledged messages are redelivered)');
      process.exit(1);
    }, 8000);
    killer.unref();
    void service.stop().then(() => {
      log.info('ingest: stopped');
      setImmediate(() => process.exit(0));
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  try {
    await service.start();
  } catch (err) {
    log.fatal({ err: errorMessage(err), code: (err as FabwatchError).code }, 'ingest: start failed');
    return 1;
  }
  return -1;
}
