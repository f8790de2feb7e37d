import { stateDirPathProblem } from './state-dir.js';
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { FabwatchError, ErrorCode } from '../core/errors.js';
import type { FabwatchConfig } from './types.js';
import { checkCleanroomConfig, checkConsideredSizes } from '../cleanroom/config.js';
import schema from '../../config/schema.json' with { type: 'json' };
import { ACCEL_PARTS, checkAccelSettings } from '../../drivers/accelerometer.js';
import { busBudgetIssues } from './bus-budget.js';

let validator: ReturnType<Ajv['compile']> | undefined;
function getValidator() {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false, allowUnionTypes: true });
    validator = ajv.compile(schema);
  }
  return validator;
}

/** One problem found in a config, with the JSON path it applies to. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export class ConfigError extends FabwatchError {
  readonly issues: ConfigIssue[];
  constructor(source: string, issues: ConfigIssue[]) {
    super(ErrorCode.CONFIG_INVALID, `${source}: ${issues.length} configuration error(s)\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, { source });
    this.issues = issues;
  }
}

function describe(err: ErrorObject): ConfigIssue {
  let path = err.instancePath || '/';
  let message = err.message ?? 'invalid';
  switch (err.keyword) {
    case 'additionalProperties':
      path = `${err.instancePath}/${(err.params as { additionalProperty: string }).additionalProperty}`;
      message = 'unknown key (not in config/schema.json)';
      break;
    case 'required':
      path = `${err.instancePath}/${(err.params as { missingProperty: string }).missingProperty}`;
      message = 'is required';
      break;
    case 'enum':
      message = `must be one of ${(err.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
      break;
  }
  return { path, message };
}

/** Which environment variable set which config path, so errors can name the variable. */
export type EnvSources = Map<string, string>;

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    if (typeof cur[key] !== 'object' || cur[key] === null) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]] = value;
}

function numberOrRaw(raw: string): number | string {
  return /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw;
}

function boolOrRaw(raw: string): boolean | string {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  return raw;
}

/**
 * Apply the prototype's environment variables (and FABWATCH_* additions) on top of the file.
 * MQTT_URL wins over MQTT_BROKER/MQTT_PORT.
 */
export function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): EnvSources {
  const sources: EnvSources = new Map();
  const set = (name: string, path: string[], value: unknown) => {
    setPath(raw, path, value);
    sources.set('/' + path.join('/'), name);
  };
  if (env.PORT !== undefined) set('PORT', ['api', 'port'], numberOrRaw(env.PORT));
  if (env.WS_PORT !== undefined) set('WS_PORT', ['api', 'wsPort'], numberOrRaw(env.WS_PORT));
  if (env.SIMULATION_MODE !== undefined) set('SIMULATION_MODE', ['gateway', 'simulation'], boolOrRaw(env.SIMULATION_MODE));
  if (env.SIMULATION_SPEED !== undefined) set('SIMULATION_SPEED', ['gateway', 'simulationSpeed'], numberOrRaw(env.SIMULATION_SPEED));
  if (env.MODEL_PATH !== undefined) set('MODEL_PATH', ['model', 'path'], env.MODEL_PATH);
  if (env.NODE_ENV !== undefined) set('NODE_ENV', ['gateway', 'environment'], env.NODE_ENV);
  if (env.LOG_LEVEL !== undefined) set('LOG_LEVEL', ['log', 'level'], env.LOG_LEVEL);
  // systemd's StateDirectory= exports STATE_DIRECTORY; FABWATCH_STATE_DIR wins over it.
  const stateDir = env.FABWATCH_STATE_DIR ?? env.STATE_DIRECTORY?.split(':')[0];
  if (stateDir !== undefined) set(env.FABWATCH_STATE_DIR !== undefined ? 'FABWATCH_STATE_DIR' : 'STATE_DIRECTORY', ['gateway', 'stateDir'], stateDir);
  if (env.MQTT_URL !== undefined) {
    set('MQTT_URL', ['mqtt', 'url'], env.MQTT_URL);
  } else if (env.MQTT_BROKER !== undefined || env.MQTT_PORT !== undefined) {
    const mqtt = (raw.mqtt ?? {}) as { url?: string };
    let base: URL;
    try {
      base = new URL(mqtt.url ?? 'mqtt://localhost:1883');
    } catch {
      base = new URL('mqtt://localhost:1883');
    }
    if (env.MQTT_BROKER !== undefined) base.hostname = env.MQTT_BROKER;
    if (env.MQTT_PORT !== undefined) base.port = env.MQTT_PORT;
    set(env.MQTT_BROKER !== undefined ? 'MQTT_BROKER' : 'MQTT_PORT', ['mqtt', 'url'], base.toString().replace(/\/$/, ''));
  }
  return sources;
}

/** Parse YAML or JSON text (by extension; YAML is a superset, so unknown extensions use YAML). */
export function parseConfigText(text: string, source: string): Record<string, unknown> {
  try {
    const doc = extname(source).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      throw new ConfigError(source, [{ path: '/', message: 'must be a mapping (key: value) at the top level' }]);
    }
    return doc as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(source, [{ path: '/', message: `cannot parse: ${(err as Error).message.split('\n')[0]}` }]);
  }
}

/** Validate a raw config object, filling defaults. Throws ConfigError listing every problem. */
export function validateConfig(raw: Record<string, unknown>, source: string, envSources: EnvSources = new Map()): FabwatchConfig {
  const validate = getValidator();
  const copy = structuredClone(raw);
  if (!validate(copy)) {
    const seen = new Set<string>();
    const issues: ConfigIssue[] = [];
    for (const e of validate.errors ?? []) {
      // anyOf produces one error per branch plus a summary; keep the summary only.
      if (e.schemaPath.includes('/anyOf/')) continue;
      const issue = describe(e);
      const fromEnv = envSources.get(issue.path);
      if (fromEnv) issue.message += ` (set by environment variable ${fromEnv})`;
      const key = `${issue.path}\u0000${issue.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        issues.push(issue);
      }
    }
    for (const issue of accelIssues(copy.robots, false)) if (!issues.some((i) => i.path === issue.path)) issues.push(issue);
    throw new ConfigError(source, issues);
  }
  const config = copy as unknown as FabwatchConfig;
  checkCrossField(config, source);
  return deepFreeze(config);
}

/**
 * Valid ODR and range depend on the part: the driver says which (drivers/accelerometer.ts), and
 * fills the part's defaults. Also run when the schema already failed, so every problem is listed;
 * an unknown part is checked against all parts.
 */
function accelIssues(robots: unknown, fillDefaults: boolean): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!Array.isArray(robots)) return issues;
  robots.forEach((robot: { accelerometer?: { driver?: string; odrHz?: number; rangeG?: number; highPassCode?: number } }, i) => {
    const a = robot?.accelerometer;
    if (!a || typeof a !== 'object') return;
    const path = `/robots/${i}/accelerometer`;
    if (a.driver === 'adxl345' || a.driver === 'adxl355') {
      if (fillDefaults) {
        a.odrHz ??= a.driver === 'adxl355' ? 1000 : 800;
        a.rangeG ??= a.driver === 'adxl355' ? 8 : 16;
      }
      if (typeof a.odrHz === 'number' && typeof a.rangeG === 'number') for (const issue of checkAccelSettings(a.driver, a.odrHz, a.rangeG)) issues.push({ path: `${path}/${issue.field}`, message: issue.message });
      if (a.driver !== 'adxl355' && a.highPassCode) issues.push({ path: `${path}/highPassCode`, message: 'only the ADXL355 has a high-pass filter' });
    } else if (typeof a.odrHz === 'number' && !Object.values(ACCEL_PARTS).some((p) => (p.odrHz as readonly number[]).includes(a.odrHz!))) {
      issues.push({ path: `${path}/odrHz`, message: `${a.odrHz} Hz is not an output data rate of any supported part (${Object.entries(ACCEL_PARTS).map(([k, p]) => `${k}: ${p.odrHz.join(', ')}`).join('; ')})` });
    }
  });
  return issues;
}

/** Rules JSON Schema cannot express: unique ids, I2C address clashes, I2C bus budgets (src/config/bus-budget.ts). */
function checkCrossField(config: FabwatchConfig, source: string): void {
  const issues: ConfigIssue[] = accelIssues(config.robots, true);
  // Model updates: without a key nothing could ever be accepted; two keys under one id are ambiguous.
  const upd = config.model.updates;
  if (upd.enabled && upd.publicKeys.length === 0) issues.push({ path: '/model/updates/publicKeys', message: 'model.updates.enabled needs at least one public key (fabwatch model keygen prints one)' });
  upd.publicKeys.forEach((k, i) => {
    if (upd.publicKeys.findIndex((o) => o.id === k.id) !== i) issues.push({ path: `/model/updates/publicKeys/${i}/id`, message: `duplicate key id "${k.id}"` });
  });
  const robotIds = new Set<string>();
  const i2c = new Map<string, string>();
  config.robots.forEach((robot, i) => {
    if (robotIds.has(robot.id)) issues.push({ path: `/robots/${i}/id`, message: `duplicate robot id "${robot.id}"` });
    robotIds.add(robot.id);
    const devices: Array<[string, { bus: number; address: number } | undefined]> = [
      ['accelerometer', robot.accelerometer],
      ['temperature', robot.temperature],
    ];
    for (const [kind, dev] of devices) {
      if (!dev) continue;
      const key = `${dev.bus}:${dev.address}`;
      const other = i2c.get(key);
      if (other) issues.push({ path: `/robots/${i}/${kind}/address`, message: `I2C bus ${dev.bus} address 0x${dev.address.toString(16)} is already used by ${other}` });
      else i2c.set(key, `${robot.id}/${kind}`);
    }
  });
  config.i2cBuses.forEach((b, i) => {
    if (config.i2cBuses.findIndex((o) => o.bus === b.bus) !== i) issues.push({ path: `/i2cBuses/${i}/bus`, message: `I2C bus ${b.bus} is listed twice` });
  });
  // Do the sensors fit on their buses? Over 80 % is refused; warnings (over 60 %) are the caller's to show.
  issues.push(...busBudgetIssues(config).errors);
  // One GPIO line, one use: interrupt inputs and the alarm output.
  const gpio = new Map<number, string>();
  const claim = (line: number | undefined, path: string, what: string) => {
    if (line === undefined) return;
    const other = gpio.get(line);
    if (other) issues.push({ path, message: `GPIO ${line} is already used by ${other}` });
    else gpio.set(line, what);
  };
  config.robots.forEach((r, i) => claim(r.accelerometer.interruptGpio, `/robots/${i}/accelerometer/interruptGpio`, `${r.id}/accelerometer interrupt`));
  if (config.alarmOutput?.enabled) claim(config.alarmOutput.gpio, '/alarmOutput/gpio', 'the alarm output');
  // Devices sharing a serial line must agree on its settings (one port, one baud rate).
  const lines = new Map<string, string>();
  config.cleanroom.counters.forEach((c, i) => {
    if (c.transport.kind !== 'rtu' || !c.transport.path) return;
    const settings = `${c.transport.baudRate} ${c.transport.parity ?? 'none'} ${c.transport.stopBits ?? 1}`;
    const prev = lines.get(c.transport.path);
    if (prev && prev !== settings) issues.push({ path: `/cleanroom/counters/${i}/transport`, message: `${c.transport.path} is shared with another counter at ${prev} (baud parity stop bits); one line has one setting` });
    else lines.set(c.transport.path, settings);
  });
  const counterIds = new Set<string>();
  config.cleanroom.counters.forEach((c, i) => {
    if (counterIds.has(c.id)) issues.push({ path: `/cleanroom/counters/${i}/id`, message: `duplicate counter id "${c.id}"` });
    counterIds.add(c.id);
    if (c.transport.kind === 'rtu' && !c.transport.path) issues.push({ path: `/cleanroom/counters/${i}/transport/path`, message: 'is required for an RTU (serial) transport' });
    for (const check of [() => checkCleanroomConfig(c.cleanroom, `/cleanroom/counters/${i}/cleanroom`), () => checkConsideredSizes(c.cleanroom, c.channelSizesUm, `/cleanroom/counters/${i}/cleanroom`)]) {
      try {
        check();
      } catch (err) {
        const path = String((err as FabwatchError).details?.path ?? `/cleanroom/counters/${i}/cleanroom`);
        issues.push({ path: path.replace(/\./g, '/'), message: (err as Error).message.replace(/^[^:]*: /, '') });
      }
    }
    if (c.map === 'metone6000' && c.channelSizesUm.length > 4) issues.push({ path: `/cleanroom/counters/${i}/channelSizesUm`, message: `the Met One 6000 map has 4 size channels, ${c.channelSizesUm.length} configured` });
    for (let k = 1; k < c.channelSizesUm.length; k++) {
      if (c.channelSizesUm[k] <= c.channelSizesUm[k - 1]) {
        issues.push({ path: `/cleanroom/counters/${i}/channelSizesUm`, message: 'must be in increasing order (channel 1 = smallest size)' });
        break;
      }
    }
  });
  // Two servers on one port cannot both listen (0 = any free port, allowed twice).
  if (config.gateway.simulationSpeed !== 1 && !config.gateway.simulation) issues.push({ path: '/gateway/simulationSpeed', message: `is ${config.gateway.simulationSpeed}, but only a simulated gateway (gateway.simulation: true) can run faster than real time` });
  if (config.api.enabled && config.api.port !== 0 && config.api.port === config.api.wsPort) issues.push({ path: '/api/wsPort', message: `is the same port as api.port (${config.api.port}); the REST and WebSocket servers need one each` });
  const stateDir = stateDirPathProblem(config.gateway.stateDir);
  if (stateDir) issues.push({ path: '/gateway/stateDir', message: stateDir });
  if (issues.length) throw new ConfigError(source, issues);
}

function deepFreeze<T>(obj: T): T {
  if (obj && typeof obj === 'object') {
    for (const value of Object.values(obj)) deepFreeze(value);
    Object.freeze(obj);
  }
  return obj;
}

/**
 * Validate only some top-level sections of a config against config/schema.json, with the same
 * defaults and error listing as validateConfig; other keys are not checked. `fabwatch ingest` reads
 * `ingest` and `log`, so its file needs no gateway block (and a gateway's file may hold both).
 */
const sectionValidators = new Map<string, ReturnType<Ajv['compile']>>();
export function validateSections<T>(raw: Record<string, unknown>, sections: readonly string[], source: string, envSources: EnvSources = new Map()): T {
  const key = sections.join(',');
  let validate = sectionValidators.get(key);
  if (!validate) {
    const props = schema.properties as Record<string, unknown>;
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false, allowUnionTypes: true });
    validate = ajv.compile({ type: 'object', properties: Object.fromEntries(sections.map((s) => [s, props[s]])), definitions: schema.definitions });
    sectionValidators.set(key, validate);
  }
  const copy = structuredClone(Object.fromEntries(sections.map((s) => [s, raw[s] ?? {}])));
  if (!validate(copy)) {
    const issues = (validate.errors ?? []).filter((e) => !e.schemaPath.includes('/anyOf/')).map(describe);
    for (const issue of issues) {
      const fromEnv = envSources.get(issue.path);
      if (fromEnv) issue.message += ` (set by environment variable ${fromEnv})`;
    }
    throw new ConfigError(source, issues);
  }
  return deepFreeze(copy) as T;
}

/** Read, apply environment overrides, validate. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): FabwatchConfig {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new FabwatchError(ErrorCode.CONFIG_UNREADABLE, `cannot read config file ${path}: ${(err as Error).message}`, { path });
  }
  const raw = parseConfigText(text, file);
  const sources = applyEnv(raw, env);
  return validateConfig(raw, file, sources);
}
