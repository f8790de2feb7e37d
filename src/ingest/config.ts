import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { hostname } from 'node:os';
import { parseConfigText, validateSections, type EnvSources } from '../config/load.js';
import type { IngestConfig } from '../config/types.js';
import { FabwatchError, ErrorCode } from '../core/errors.js';

export interface IngestFileConfig {
  ingest: IngestConfig;
  log: { level: string; pretty: 'auto' | boolean };
}

export interface IngestOverrides {
  db?: string;
  mqtt?: string;
}

/**
 * The `ingest` and `log` sections of a config file (optional: defaults alone are valid), then the
 * environment (DATABASE_URL, MQTT_URL, LOG_LEVEL), then the command line (--db, --mqtt), validated
 * by config/schema.json with every error listed (ConfigError, exit 2).
 */
export function loadIngestConfig(file: string | undefined, env: NodeJS.ProcessEnv, overrides: IngestOverrides = {}): IngestFileConfig {
  let raw: Record<string, unknown> = {};
  const source = file ?? '(defaults)';
  if (file) {
    let text: string;
    try {
      text = readFileSync(resolve(file), 'utf8');
    } catch (err) {
      throw new FabwatchError(ErrorCode.CONFIG_UNREADABLE, `cannot read config file ${resolve(file)}: ${(err as Error).message}`, { path: file });
    }
    raw = parseConfigText(text, file);
  }
  const sources: EnvSources = new Map();
  const ingest = (typeof raw.ingest === 'object' && raw.ingest !== null ? raw.ingest : (raw.ingest = {})) as Record<string, Record<string, unknown>>;
  const set = (section: string, key: string, value: string, from: string) => {
    if (typeof ingest[section] !== 'object' || ingest[section] === null) ingest[section] = {};
    ingest[section][key] = value;
    sources.set(`/ingest/${section}/${key}`, from);
  };
  if (env.DATABASE_URL !== undefined) set('database', 'url', env.DATABASE_URL, 'DATABASE_URL');
  if (env.MQTT_URL !== undefined) set('mqtt', 'url', env.MQTT_URL, 'MQTT_URL');
  if (overrides.db !== undefined) set('database', 'url', overrides.db, '--db');
  if (overrides.mqtt !== undefined) set('mqtt', 'url', overrides.mqtt, '--mqtt');
  if (env.LOG_LEVEL !== undefined) {
    raw.log = { ...((raw.log as object) ?? {}), level: env.LOG_LEVEL };
    sources.set('/log/level', 'LOG_LEVEL');
  }
  return validateSections<IngestFileConfig>(raw, ['ingest', 'log'], source, sources);
}

/** The client id of worker `instance`: stable across restarts so its persistent session is found again. */
export function ingestClientId(cfg: IngestConfig, instance: number): string {
  return cfg.mqtt.clientId ? (instance === 1 ? cfg.mqtt.clientId : `${cfg.mqtt.clientId}-${instance}`) : `fabwatch-ingest-${hostname()}-${instance}`;
}
