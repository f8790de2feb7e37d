/** TypeScript view of config/schema.json after defaults are applied. Keep the two in step. */
import type { CleanroomLocationConfig } from '../cleanroom/config.js';

export interface BearingGeometry {
  nBalls: number;
  ballDiameterMm: number;
  pitchDiameterMm: number;
  contactAngleDeg: number;
}

export type DefectKind = 'none' | 'outer_race' | 'inner_race' | 'ball' | 'cage';

export interface VibrationSimulatorConfig {
  shaftHz?: number;
  imbalanceG: number;
  misalignmentG: number;
  noiseG: number;
  defect: DefectKind;
  defectSeverityG: number;
  defectGrowthPerHour: number;
  resonanceHz: number;
  seed: number;
  bearing?: BearingGeometry;
}

/** The simulator's config with shaft speed and bearing filled in from the robot's asset. */
export type ResolvedVibrationSimulatorConfig = VibrationSimulatorConfig & { shaftHz: number; bearing: BearingGeometry };

export interface AccelerometerConfig {
  driver: 'adxl345' | 'adxl355';
  bus: number;
  address: number;
  /** Filled with the part's default (adxl345 800 Hz, adxl355 1000 Hz) when absent. */
  odrHz: number;
  /** Filled with the part's default (adxl345 16 g, adxl355 8 g) when absent. */
  rangeG: number;
  highPassCode: number;
  watermark: number;
  interruptGpio?: number;
  stuckSamples?: number;
  pollIntervalMs: number;
  simulator: VibrationSimulatorConfig;
}

export interface TemperatureSensorConfig {
  driver: 'tmp102';
  bus: number;
  address: number;
  simulator: { baseC: number; swingC: number };
}

export interface RobotAnalysisConfig {
  windowSize: number;
  rmsAlarmG: number;
  rmsBaselineG: number;
  spectrumBins: number;
  zonePreset: 'group1_rigid' | 'group1_flexible' | 'group2_rigid' | 'group2_flexible';
  zoneLimits?: { ab: number; bc: number; cd: number };
  diagnosisVoteWindows: number;
  spectrumPublishIntervalS: number;
  bandReselectEvery: number;
}

export interface RobotConfig {
  id: string;
  name?: string;
  accelerometer: AccelerometerConfig;
  temperature?: TemperatureSensorConfig;
  asset: { shaftHz?: number; bearing?: BearingGeometry };
  analysis: RobotAnalysisConfig;
}

export interface ModbusTransportConfig {
  kind: 'tcp' | 'rtu';
  host: string;
  port: number;
  path?: string;
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
  timeoutMs: number;
}

export interface RegisterMappingConfig {
  table: 'holding' | 'input';
  address: number;
  type: 'int16' | 'uint16';
  scale: number;
  offset: number;
}

export interface CounterFaultConfig {
  retries: number;
  backoffMs: number;
  breakerThreshold: number;
  breakerOpenMs: number;
  staleAfterS: number;
}

export interface ParticleCounterConfig {
  id: string;
  location: string;
  map: 'lighthouse' | 'metone6000';
  wordOrder: 'high_first' | 'low_first';
  sampleTimeS?: number;
  environment?: { temperatureC?: RegisterMappingConfig; humidityPct?: RegisterMappingConfig; dpPa?: RegisterMappingConfig };
  faults: CounterFaultConfig;
  unitId: number;
  transport: ModbusTransportConfig;
  channelSizesUm: number[];
  pollIntervalS: number;
  cleanroom: CleanroomLocationConfig;
  simulator: { isoClass: number; sampleTimeS: number; flowCfm: number; spikeProbability: number; burstSamples: number; seed: number };
}

export interface MqttConfig {
  enabled: boolean;
  url: string;
  clientId?: string;
  protocolVersion: 4 | 5;
  username?: string;
  password?: string;
  keepaliveS: number;
  connectTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  qos: 0 | 1;
  passwordFile?: string;
  clean: boolean;
  sessionExpiryS: number;
  maxInFlight: number;
  tls?: MqttTlsConfig;
  commands: { enabled: boolean };
  outbox: OutboxConfig;
}

export interface MqttTlsConfig {
  ca?: string;
  cert?: string;
  key?: string;
  passphrase?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

export interface OutboxConfig {
  flushIntervalMs: number;
  flushMaxMessages: number;
  synchronous: 'full' | 'normal';
  maxBytes: number;
  memoryMaxBytes: number;
  replayRatePerS: number;
}

export interface ApiConfig {
  enabled: boolean;
  host: string;
  port: number;
  wsPort: number;
  corsOrigins: string[];
  telemetryBuffer: number;
  wsMaxBufferedBytes: number;
  wsMaxClients: number;
  auth: ApiAuthConfig;
  commandRateLimit: { max: number; windowS: number };
}

export type ApiRole = 'viewer' | 'technician' | 'admin';

export interface ApiTokenConfig {
  name: string;
  role: ApiRole;
  /** scrypt$N$r$p$salt$key (base64), from `fabwatch hash-token`. */
  hash: string;
}

export interface ApiAuthConfig {
  read: 'open' | 'token';
  tokens: ApiTokenConfig[];
}

export interface HistoryConfig {
  enabled: boolean;
  retentionHours: number;
  maxRows: number;
  flushIntervalMs: number;
}

export interface FabwatchConfig {
  gateway: { id: string; site: string; simulation: boolean; environment: 'production' | 'development' | 'test'; stateDir: string; testAlertIntervalMs: number };
  log: { level: string; pretty: 'auto' | boolean };
  mqtt: MqttConfig;
  api: ApiConfig;
  history: HistoryConfig;
  model: { path: string; enabled: boolean; confidenceLevel: number; snapshotIntervalS: number };
  robots: RobotConfig[];
  cleanroom: { publishIntervalS: number; counters: ParticleCounterConfig[] };
  alarmOutput: AlarmOutputConfig;
  ingest: IngestConfig;
}

export interface AlarmOutputConfig {
  enabled: boolean;
  gpio: number;
  activeLow: boolean;
  minSeverity: 'info' | 'warning' | 'critical';
}

/** `fabwatch ingest` (the fleet historian, docs/historian.md); the gateway ignores it. */
export interface IngestConfig {
  database: { url: string; statementTimeoutMs: number };
  mqtt: { url: string; group: string; clientId?: string; username?: string; password?: string; keepaliveS: number; sessionExpiryS: number; receiveMaximum: number; reconnectMs: number };
  batch: { maxMessages: number; maxDelayMs: number };
  retry: { minMs: number; maxMs: number };
  retentionDays: number;
  partitionsAheadDays: number;
  maxFutureSkewDays: number;
  maintenanceIntervalS: number;
  http: { host: string; port: number };
}
