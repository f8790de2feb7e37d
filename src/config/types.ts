/**
 * The validated config's types, derived from config/schema.json (the one source): schema-types.ts
 * is generated from it (npm run gen:config-types; test/unit/config-types.test.ts keeps it current).
 * Only what load.ts adds beyond the schema is written here: the accelerometer's odrHz and rangeG,
 * which it fills with the part's defaults when absent.
 */
import type * as S from './schema-types.js';

export type BearingGeometry = S.BearingSchema;
export type VibrationSimulatorConfig = S.VibrationSimulatorSchema;
export type DefectKind = VibrationSimulatorConfig['defect'];
/** The simulator's config with shaft speed and bearing filled in from the robot's asset. */
export type ResolvedVibrationSimulatorConfig = VibrationSimulatorConfig & { shaftHz: number; bearing: BearingGeometry };

/** odrHz and rangeG: filled with the part's default (adxl345 800 Hz / 16 g, adxl355 1000 Hz / 8 g) when absent. */
export type AccelerometerConfig = Omit<S.AccelerometerSchema, 'odrHz' | 'rangeG'> & { odrHz: number; rangeG: number };
export type TemperatureSensorConfig = S.TemperatureSensorSchema;
export type RobotConfig = Omit<S.RobotSchema, 'accelerometer'> & { accelerometer: AccelerometerConfig };
export type RobotAnalysisConfig = RobotConfig['analysis'];

export type ParticleCounterConfig = S.ParticleCounterSchema;
export type ModbusTransportConfig = ParticleCounterConfig['transport'];
export type RegisterMappingConfig = S.RegisterMappingSchema;
export type CounterFaultConfig = ParticleCounterConfig['faults'];

export type FabwatchConfig = Omit<S.FabwatchConfigSchema, 'robots'> & { robots: RobotConfig[] };
export type MqttConfig = FabwatchConfig['mqtt'];
export type MqttTlsConfig = NonNullable<MqttConfig['tls']>;
export type OutboxConfig = MqttConfig['outbox'];
/** mqtt.sparkplug: the optional Eclipse Sparkplug B 3.0 output (src/uplink/sparkplug/). */
export type SparkplugConfig = MqttConfig['sparkplug'];
export type ApiConfig = FabwatchConfig['api'];
export type ApiAuthConfig = ApiConfig['auth'];
export type ApiTokenConfig = ApiAuthConfig['tokens'][number];
export type ApiRole = ApiTokenConfig['role'];
export type HistoryConfig = FabwatchConfig['history'];
export type AlarmOutputConfig = FabwatchConfig['alarmOutput'];
/** The command path: issued_at freshness and de-duplication (config/schema.json `commands`). */
export type CommandsConfig = FabwatchConfig['commands'];
/** `fabwatch ingest` (the fleet historian, docs/historian.md); the gateway ignores it. */
export type IngestConfig = FabwatchConfig['ingest'];
