/** TypeScript view of config/schema.json after defaults are applied. Keep the two in step. */

export interface BearingGeometry {
  nBalls: number;
  ballDiameterMm: number;
  pitchDiameterMm: number;
  contactAngleDeg: number;
}

export type DefectKind = 'none' | 'outer_race' | 'inner_race' | 'ball' | 'cage';

export interface VibrationSimulatorConfig {
  shaftHz: number;
  imbalanceG: number;
  misalignmentG: number;
  noiseG: number;
  defect: DefectKind;
  defectSeverityG: number;
  defectGrowthPerHour: number;
  resonanceHz: number;
  seed: number;
  bearing: BearingGeometry;
}

export interface AccelerometerConfig {
  driver: 'adxl345';
  bus: number;
  address: number;
  odrHz: number;
  rangeG: number;
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
}

export interface RobotConfig {
  id: string;
  name?: string;
  accelerometer: AccelerometerConfig;
  temperature?: TemperatureSensorConfig;
  analysis: RobotAnalysisConfig;
}

export interface ModbusTransportConfig {
  kind: 'tcp' | 'rtu';
  host: string;
  port: number;
  path?: string;
  baudRate: number;
  timeoutMs: number;
}

export interface ParticleCounterConfig {
  id: string;
  location: string;
  map: 'lighthouse';
  unitId: number;
  transport: ModbusTransportConfig;
  channelSizesUm: number[];
  pollIntervalS: number;
  simulator: { isoClass: number; sampleTimeS: number; flowCfm: number; spikeProbability: number; seed: number };
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
  gateway: { id: string; site: string; simulation: boolean; environment: 'production' | 'development' | 'test'; stateDir: string };
  log: { level: string; pretty: 'auto' | boolean };
  mqtt: MqttConfig;
  api: ApiConfig;
  history: HistoryConfig;
  model: { path: string };
  robots: RobotConfig[];
  cleanroom: { publishIntervalS: number; counters: ParticleCounterConfig[] };
}
