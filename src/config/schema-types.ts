// Generated from config/schema.json by src/config/schema-to-ts.ts (npm run gen:config-types). Do not edit.

/** 7-bit I2C address (YAML accepts 0x53). Range: 3 .. 119. */
export type I2cAddressSchema = number;

export type RobotSchema = {
  /** {robot_id} in topics and URLs. */
  id: string;
  name?: string;
  accelerometer: AccelerometerSchema;
  temperature?: TemperatureSensorSchema;
  analysis: {
    /** Samples per analysis window (power of two). Default: 2048. */
    windowSize: 256 | 512 | 1024 | 2048 | 4096 | 8192 | 16384;
    /** Deprecated and ignored: the health score now comes from the status model (docs/status.md), anchored on the ISO 20816 zone limits. Accepted so existing configs still load. Default: 0.5. */
    rmsAlarmG: number;
    /** Deprecated and ignored: the health score now comes from the status model (docs/status.md), anchored on the ISO 20816 zone limits. Accepted so existing configs still load. Range: 0 .. inf. Default: 0.05. */
    rmsBaselineG: number;
    /** Bands in the spectrum summaries (band RMS of the amplitude spectrum, band max of the envelope spectrum). Range: 8 .. 1024. Default: 64. */
    spectrumBins: number;
    /** ISO 20816-3 zone limits preset (velocity RMS, mm/s); zoneLimits overrides it. Robot joints are smaller than these groups: set zoneLimits from the asset's own history where you can. Default: "group2_rigid". */
    zonePreset: "group1_rigid" | "group1_flexible" | "group2_rigid" | "group2_flexible";
    /** Zone boundaries A/B, B/C, C/D, velocity RMS in mm/s. */
    zoneLimits?: {
      ab: number;
      bc: number;
      cd: number;
    };
    /** A fault is reported when more than half of the last N windows name it (one window can show a chance alignment). Range: 1 .. 100. Default: 5. */
    diagnosisVoteWindows: number;
    /** Seconds between spectrum summaries on factory/{site}/{robot_id}/spectrum (0 = never). Range: 0 .. inf. Default: 10. */
    spectrumPublishIntervalS: number;
    /** Re-run the kurtogram band selection every k-th window only (lower CPU on slow gateways). Range: 1 .. inf. Default: 1. */
    bandReselectEvery: number;
  };
  /** The monitored machine: shaft speed and bearing geometry. Without them there are no bearing defect frequencies and no bearing diagnosis (imbalance/misalignment need shaftHz). */
  asset: {
    /** Shaft speed, Hz (rev/s). */
    shaftHz?: number;
    bearing?: BearingSchema;
  };
};

export type AccelerometerSchema = {
  /** Accelerometer part: adxl345 (hobby/prototype, 13-bit, FIFO 32) or adxl355 (industrial, 20-bit, FIFO 96 entries = 32 samples). Valid odrHz and rangeG depend on the part. */
  driver: "adxl345" | "adxl355";
  /** I2C bus number: /dev/i2c-{bus}. Range: 0 .. inf. */
  bus: number;
  address: I2cAddressSchema;
  /** Output data rate, Hz. adxl345: 100, 200, 400, 800, 1600, 3200 (default 800). adxl355: 4000, 2000, 1000, 500, 250, 125, 62.5, 31.25, 15.625, 7.8125, 3.90625 (default 1000; low-pass corner = ODR/4). Checked against the part when the config is loaded. */
  odrHz?: number;
  /** Full-scale range, g. adxl345: 2, 4, 8, 16 (default 16); adxl355: 2, 4, 8 (default 8). */
  rangeG?: 2 | 4 | 8 | 16;
  /** FIFO poll period, milliseconds; must drain the 32-sample FIFO before it overruns. Range: 1 .. 1000. Default: 10. */
  pollIntervalMs: number;
  simulator: VibrationSimulatorSchema;
  /** adxl355 only: FILTER HPF_CORNER bits (0 = high-pass off; 1..6 = corner 24.7e-4 x ODR down to 0.0238e-4 x ODR, see the data sheet). Range: 0 .. 6. Default: 0. */
  highPassCode: number;
  /** FIFO watermark, samples (X/Y/Z sets): the watermark interrupt fires at this fill level. Range: 1 .. 31. Default: 16. */
  watermark: number;
  /** BCM GPIO line wired to the sensor's INT1 (data-ready/watermark). Drains follow the interrupt; pollIntervalMs stays as the fallback. Unset = polling only. Range: 0 .. 53. */
  interruptGpio?: number;
  /** Identical consecutive samples on all axes that raise SENSOR_STUCK (0 = off). Default: 2 s of samples, at least 256. Range: 0 .. inf. */
  stuckSamples?: number;
};

/** Physical model behind the simulated accelerometer (ignored on real hardware). */
export type VibrationSimulatorSchema = {
  /** Shaft speed, Hz; default: the robot's asset.shaftHz (or 29.5). */
  shaftHz?: number;
  /** 1x shaft-order amplitude, g. Range: 0 .. inf. Default: 0.05. */
  imbalanceG: number;
  /** 2x shaft-order amplitude, g. Range: 0 .. inf. Default: 0. */
  misalignmentG: number;
  /** Broadband noise RMS, g. Range: 0 .. inf. Default: 0.01. */
  noiseG: number;
  /** Bearing defect modelled as periodic impacts ringing a structural resonance. Default: "none". */
  defect: "none" | "outer_race" | "inner_race" | "ball" | "cage";
  /** Impact amplitude at the start of the simulated life, g. Range: 0 .. inf. Default: 0. */
  defectSeverityG: number;
  /** Relative growth of the impact amplitude per simulated hour (exponential). Range: 0 .. inf. Default: 0. */
  defectGrowthPerHour: number;
  /** Structural resonance excited by bearing impacts, Hz. Keep it below half the accelerometer's ODR (the part's own filter removes what is above). Default: 550. */
  resonanceHz: number;
  /** Random seed for reproducible noise. Default: 1. */
  seed: number;
  /** Bearing geometry; default: the robot's asset.bearing. */
  bearing?: BearingSchema;
};

/** Rolling-element bearing geometry. */
export type BearingSchema = {
  /** Range: 3 .. inf. Default: 9. */
  nBalls: number;
  /** Default: 7.94. */
  ballDiameterMm: number;
  /** Default: 39.04. */
  pitchDiameterMm: number;
  /** Range: 0 .. 60. Default: 0. */
  contactAngleDeg: number;
};

export type TemperatureSensorSchema = {
  /** I2C temperature sensor part. */
  driver: "tmp102";
  /** Range: 0 .. inf. */
  bus: number;
  address: I2cAddressSchema;
  simulator: {
    /** Mean temperature, degrees C. Default: 38. */
    baseC: number;
    /** Slow oscillation amplitude, degrees C. Range: 0 .. inf. Default: 2. */
    swingC: number;
  };
};

export type ParticleCounterSchema = {
  id: string;
  /** Where the counter samples (e.g. litho-bay-1). */
  location: string;
  /** Register map: lighthouse (Lighthouse remote counters, map v1.44-1.50, up to 8 channels) or metone6000 (Met One 6000 series, 4 channels). Default: "lighthouse". */
  map: "lighthouse" | "metone6000";
  /** Modbus unit (slave) id. Range: 1 .. 247. Default: 1. */
  unitId: number;
  transport: {
    kind: "tcp" | "rtu";
    /** tcp: host. Default: "127.0.0.1". */
    host: string;
    /** tcp: port. Range: 0 .. 65535. Default: 502. */
    port: number;
    /** rtu: serial device, e.g. /dev/ttyUSB0. */
    path?: string;
    /** rtu: baud (8N1). Default: 19200. */
    baudRate: number;
    /** Per-request timeout for this device, milliseconds (each device on a shared bus has its own). Range: 50 .. inf. Default: 1000. */
    timeoutMs: number;
    /** rtu: parity (8N1 = none). Default: "none". */
    parity: "none" | "even" | "odd";
    /** rtu: stop bits. Default: 1. */
    stopBits: 1 | 2;
  };
  /** Particle size of each channel, micrometres, smallest first (cumulative >= size). */
  channelSizesUm: Array<number>;
  /** Seconds between polls. Default: 5. */
  pollIntervalS: number;
  /** Simulated counter (served as a real Modbus TCP server on loopback in simulation mode). */
  simulator: {
    /** Typical cleanliness the simulated air has. Range: 1 .. 9. Default: 5. */
    isoClass: number;
    /** Simulated sample time, seconds. Range: 1 .. inf. Default: 6. */
    sampleTimeS: number;
    /** Simulated flow, ft3/min. Default: 1. */
    flowCfm: number;
    /** Chance per sample that a particle burst (an excursion) starts. Range: 0 .. 1. Default: 0.02. */
    spikeProbability: number;
    /** Default: 7. */
    seed: number;
    /** Mean length of a particle burst, in samples (bursts last 1-2x this). Range: 1 .. inf. Default: 5. */
    burstSamples: number;
  };
  cleanroom: CleanroomLocationSchema;
  /** Order of the two registers of a uint32 count. Lighthouse documents high word first; check the Met One unit's manual. Default: "high_first". */
  wordOrder: "high_first" | "low_first";
  /** Sample time written to the counter at start, seconds. Unset = keep the counter's own setting. Range: 1 .. 86400. */
  sampleTimeS?: number;
  /** Optional temperature / humidity / differential-pressure registers, read after each sample. */
  environment?: {
    temperatureC?: RegisterMappingSchema;
    humidityPct?: RegisterMappingSchema;
    dpPa?: RegisterMappingSchema;
  };
  /** Per-device fault handling on its bus (the timeout is transport.timeoutMs). */
  faults: {
    /** Extra attempts after a failed request. Range: 0 .. 5. Default: 2. */
    retries: number;
    /** First delay between attempts, milliseconds; doubles per attempt. The bus serves the other devices meanwhile. Range: 0 .. inf. Default: 100. */
    backoffMs: number;
    /** Consecutive failed polls that open the device's circuit breaker (it then stops using the bus). Range: 1 .. inf. Default: 3. */
    breakerThreshold: number;
    /** How long the breaker stays open before one probe, milliseconds; doubles per failed probe (up to 8x). Range: 100 .. inf. Default: 10000. */
    breakerOpenMs: number;
    /** No new sample for this long while the counter answers = COUNTER_STALE (0 = 3 x max(sample time, poll interval)). Range: 0 .. inf. Default: 0. */
    staleAfterS: number;
  };
};

/** ISO 14644-1 classification and alarms for the location this counter samples (docs/cleanroom.md). No default class on purpose: a wrong default would hide excursions. */
export type CleanroomLocationSchema = {
  /** ISO class the location is specified to meet (1-9 in steps of 0.1, checked by checkCleanroomConfig since JSON Schema multipleOf 0.1 fails on binary fractions; e.g. 4 for a lithography bay, 6 for a corridor). Margins and excursion levels are relative to its limits. Range: 1 .. 9. */
  configuredClass: number;
  /** Channel sizes (micrometres) used for classification, margins and alarms; each must be one of channelSizesUm. Empty = every channel size the standard allows for the class. Sizes the class may not be evaluated at (the blank cells of ISO 14644-1 Table 1) are always skipped. */
  consideredSizesUm: Array<number>;
  /** Samples (valid ones only) in the rolling average used for the reported class and margins (ISO 14644-1 A.6.1.1: the mean of the sample concentrations at a location). Range: 1 .. 1000. Default: 5. */
  averagingSamples: number;
  /** Excursion alarm: levels are fractions of the configured class limit at the worst considered size. */
  excursion: {
    /** Alert level, fraction of the class limit (dimensionless; 0.5 = half the limit). Must be below actionFraction. Default: 0.5. */
    alertFraction: number;
    /** Action level, fraction of the class limit. Must be below limitFraction. Default: 0.8. */
    actionFraction: number;
    /** Limit level, fraction of the class limit (1 = the ISO class limit itself). Default: 1. */
    limitFraction: number;
    /** A raised level is lowered or cleared only when the ratio is at or below level x (1 - hysteresisFraction) (0.1 = 10 % below the level). Range: 0 .. inf. Default: 0.1. */
    hysteresisFraction: number;
    /** Seconds, by sample timestamps, from the first to the latest sample above a level before it is raised (0 = no minimum). Applies together with minConsecutiveSamples. Range: 0 .. inf. Default: 60. */
    minDurationS: number;
    /** Consecutive valid samples above a level before it is raised (1 = the first). Applies together with minDurationS. Range: 1 .. inf. Default: 3. */
    minConsecutiveSamples: number;
    /** Consecutive valid samples below the hysteresis band before a level is lowered or cleared. Range: 1 .. inf. Default: 2. */
    clearConsecutiveSamples: number;
    /** Judge each sample ('sample', fast; noise is handled by the minimum duration) or the rolling average ('average', slower, matches the reported class). Default: "sample". */
    basis: "sample" | "average";
  };
  /** Counter-fault alarm (the counter cannot be trusted; not the same as clean air). */
  counterFault: {
    /** Counter status names (as the driver reports them) that mark a sample as faulty and raise the counter-fault alarm. Faulty samples are left out of averages and never lower an excursion; 'overflow' samples are kept as lower bounds that can raise but not clear an excursion. */
    faultBits: Array<string>;
    /** Seconds without a new sample (a repeated record timestamp is not new) before the counter-fault alarm is raised with reason 'stale'. Set above the counter's sample + hold time and poll interval. Default: 300. */
    staleAfterS: number;
  };
  /** Limits for the environmental values the counter (or its probes) reports; a value outside its range is shown as 'low' or 'high' in the status. Omit a range to report the value without limits. */
  environment: {
    /** Air temperature range, degrees Celsius (e.g. { min: 21, max: 23 }). */
    temperatureC?: CleanroomRangeSchema;
    /** Relative humidity range, percent (e.g. { min: 40, max: 50 }). */
    humidityPct?: CleanroomRangeSchema;
    /** Differential pressure to the adjacent (less clean) area, pascals (e.g. { min: 10 }). */
    dpPa?: CleanroomRangeSchema;
  };
};

/** Inclusive range; either end may be omitted. */
export type CleanroomRangeSchema = {
  /** Lowest acceptable value, in the unit of the field. */
  min?: number;
  /** Highest acceptable value, in the unit of the field. */
  max?: number;
};

export type RegisterMappingSchema = {
  /** Function 03 (holding) or 04 (input). */
  table: "holding" | "input";
  /** PDU address (register number minus 40001 / 30001). Range: 0 .. 65535. */
  address: number;
  /** Default: "int16". */
  type: "int16" | "uint16";
  /** value = raw x scale + offset. Default: 1. */
  scale: number;
  /** Default: 0. */
  offset: number;
};

export type I2cBusSchema = {
  /** I2C bus number: /dev/i2c-{bus}. Range: 0 .. inf. */
  bus: number;
  /** SCL clock, Hz: 100000 (standard mode, the Raspberry Pi's default), 400000 (fast mode) or 1000000 (fast mode plus). Must match the adapter's setting (Raspberry Pi: dtparam=i2c_arm_baudrate in config.txt); the gateway cannot set it. The simulated bus takes each transfer's time at this speed. Default: 400000. */
  speedHz: 100000 | 400000 | 1000000;
};

/** One file (YAML or JSON) configures a gateway. Defaults are filled in; every error is reported with its path. Environment variables PORT, WS_PORT, MQTT_BROKER, MQTT_PORT, MQTT_URL, SIMULATION_MODE, MODEL_PATH and NODE_ENV override the file. */
export type FabwatchConfigSchema = {
  /** Identity of this gateway in the fleet. */
  gateway: {
    /** gateway_id carried in every payload and status topic; unique per broker. */
    id: string;
    /** {site} in MQTT topics. Default: "main". */
    site: string;
    /** Run every device against its register-level simulator in simulators/ (env SIMULATION_MODE). Default: false. */
    simulation: boolean;
    /** env NODE_ENV. Default: "production". */
    environment: "production" | "development" | "test";
    /** Directory for the outbox and history databases, the command ledger, installed model updates and each robot's RUL tracker state (rul/{robot_id}.json) (systemd: $STATE_DIRECTORY). Default: "./var". */
    stateDir: string;
    /** Commissioning aid: raise an info-level TEST_ALERT (source `test-alert`) for the first robot every this many ms, so the whole alert path -- outbox, MQTT alerts topic, page, WebSocket -- can be watched end to end (ms; 0 = off). Leave 0 in production. Range: 0 .. inf. Default: 0. */
    testAlertIntervalMs: number;
    /** Simulated mode only (env SIMULATION_SPEED): run the simulated fab on the injected clock this many times faster than real time, e.g. 20 shows an hour of degradation in 3 minutes (demos, training). Sensors, analysis, RUL, alerts and timestamps all follow the simulated clock, so timestamps run ahead of the wall clock. If the machine cannot keep up, the clock runs as fast as it can and /health says so. 1 = real time. Range: 1 .. 100. Default: 1. */
    simulationSpeed: number;
  };
  log: {
    /** Default: "info". */
    level: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
    /** Human-readable logs; 'auto' = only when stdout is a terminal. Default: "auto". */
    pretty: boolean | "auto";
  };
  /** Where the robots' accelerometers and temperature sensors are read (ARCHITECTURE.md, 'Acquisition thread'). */
  acquisition: {
    /** worker: a worker thread owns the drivers' polling, FIFO reads and window assembly (in simulation also the I2C simulators), so a stall of the main thread (analysis, SQLite, HTTP, GC) cannot overflow a sensor FIFO; windows reach the analysis through shared memory. main: everything on the main event loop (the earlier behaviour; also what a gateway driven by an injected ManualClock uses, e.g. tests and the golden minute). Default: "worker". */
    thread: "worker" | "main";
    /** Linux nice value of the acquisition worker thread alone (the rest of the process keeps the unit's): below 0 it wins the CPU from the analysis, SQLite and other processes, so a busy machine does not delay a FIFO drain past the FIFO's depth (20 ms at 1600 Hz). Raising priority needs CAP_SYS_NICE (systemd: AmbientCapabilities=CAP_SYS_NICE, see docs/deploy.md) or root; without it the worker logs ACQUISITION_PRIORITY_DENIED once and runs at the process's own. Range: -20 .. 19. Default: -5. */
    workerNice: number;
  };
  /** Upstream MQTT broker. */
  mqtt: {
    /** Default: true. */
    enabled: boolean;
    /** Broker URL (mqtt://, mqtts://, ws://, wss://). env MQTT_URL, or MQTT_BROKER + MQTT_PORT. Default: "mqtt://localhost:1883". */
    url: string;
    /** MQTT client id; default fabwatch-{gateway.id}. */
    clientId?: string;
    /** 4 = MQTT 3.1.1, 5 = MQTT 5. Default: 5. */
    protocolVersion: 4 | 5;
    username?: string;
    /** Never logged. */
    password?: string;
    /** Keepalive, seconds. Range: 0 .. 65535. Default: 30. */
    keepaliveS: number;
    /** Milliseconds. Range: 100 .. inf. Default: 10000. */
    connectTimeoutMs: number;
    /** First reconnect delay, milliseconds; doubles per failure with jitter. Range: 100 .. inf. Default: 1000. */
    reconnectMinMs: number;
    /** Longest reconnect delay, milliseconds. Range: 100 .. inf. Default: 30000. */
    reconnectMaxMs: number;
    /** Default: 1. */
    qos: 0 | 1;
    /** File holding the password (e.g. a systemd credential); wins over `password`. Never logged. */
    passwordFile?: string;
    /** Clean session. false = persistent session: the broker keeps this gateway's command subscription and queues commands while it is away (commands older than the command TTL are still refused). Default: true. */
    clean: boolean;
    /** MQTT 5 only, with clean: false: how long the broker keeps the session after a disconnect, seconds. Range: 0 .. 4294967295. Default: 3600. */
    sessionExpiryS: number;
    /** QoS 1 messages sent and not yet acknowledged (PUBACK) at a time; MQTT 5 brokers' receive-maximum lowers it. Range: 1 .. 65535. Default: 256. */
    maxInFlight: number;
    /** TLS (mqtts:// or wss://) and mutual TLS. Files are read at start-up; their contents are never logged. */
    tls?: {
      /** PEM file of the CA(s) that sign the broker's certificate; default: the system's trusted CAs. */
      ca?: string;
      /** PEM client certificate file (mutual TLS). */
      cert?: string;
      /** PEM private key file of the client certificate. */
      key?: string;
      /** Passphrase of the key. Never logged. */
      passphrase?: string;
      /** Server name checked against the broker's certificate (SNI); default: the URL's host. */
      servername?: string;
      /** Refuse a broker whose certificate does not verify. Set false only on a bench. Default: true. */
      rejectUnauthorized: boolean;
    };
    /** Commands over MQTT: factory/{site}/{robot_id}/cmd for this gateway's robots. */
    commands: {
      /** Default: true. */
      enabled: boolean;
      /** Largest command payload accepted (bytes); a larger one is refused with an INPUT_TOO_LARGE ack before it is decoded. Range: 256 .. 262144. Default: 16384. */
      maxBytes: number;
    };
    /** Durable store-and-forward outbox ({gateway.stateDir}/outbox.db, SQLite WAL): every telemetry, alert, command ack and cleanroom status is stored before it counts as produced and deleted on the broker's PUBACK. See docs/mqtt.md. */
    outbox: {
      /** Messages are committed at least this often (milliseconds); with flushMaxMessages this is the durability window: an unclean power loss or kill -9 costs at most the messages of the last window (never a seq a subscriber has seen). Range: 1 .. 10000. Default: 50. */
      flushIntervalMs: number;
      /** ...or as soon as this many messages wait. Range: 1 .. 100000. Default: 1000. */
      flushMaxMessages: number;
      /** normal (default): commits are not fsynced one by one (~0.05 ms each, so sampling never stalls); a process crash or kill -9 loses nothing committed; a power loss may roll back commits not yet written back by the OS, and the next start then jumps every stream's seq ahead (never reusing a delivered seq). full: every commit is fsynced (survives power loss) but costs ~5 ms here and far more on SD cards, on the sampling thread. Default: "normal". */
      synchronous: "full" | "normal";
      /** Cap on stored payload bytes (the file is ~10-30 % larger). At the cap the oldest telemetry is dropped (counted, logged, alert); alerts, command acks and cleanroom status are never dropped. Range: 65536 .. inf. Default: 268435456. */
      maxBytes: number;
      /** Cap while running in memory after a database fault. Range: 65536 .. inf. Default: 33554432. */
      memoryMaxBytes: number;
      /** Messages per second replayed after an outage (0 = as fast as the broker acknowledges); alerts and acks are sent first and are not limited. Range: 0 .. inf. Default: 2000. */
      replayRatePerS: number;
    };
    /** Eclipse Sparkplug B 3.0 output (docs/mqtt.md, Sparkplug B): edge node id = gateway.id, one device per robot and one per particle counter (cleanroom location). Uses the broker, credentials and TLS of this mqtt section on its own MQTT connection (its last will is the NDEATH) and its own durable outbox ({gateway.stateDir}/sparkplug-outbox.db, same outbox settings). */
    sparkplug: {
      /** Publish Sparkplug B (spBv1.0/{groupId}/...). Default: false. */
      enabled: boolean;
      /** Sparkplug group id (no / + #). Default: "fabwatch". */
      groupId: string;
      /** Primary host application id: births wait for its retained spBv1.0/STATE/{primaryHostId} to say online, data is stored (not sent) while it is offline, and the node re-births when it comes back. Absent: births right after every connect and data is stored only while the broker is unreachable. */
      primaryHostId?: string;
      /** Also publish the JSON topics (factory/..., cleanroom/...) and take JSON commands; false = Sparkplug only (the JSON uplink, its gateway status and its outbox are not started). Default: true. */
      jsonTopics: boolean;
      /** MQTT client id of the Sparkplug connection; default fabwatch-{gateway.id}-spb. */
      clientId?: string;
      /** QoS of NBIRTH/DBIRTH/NDATA/DDATA/DDEATH. 0 is what Sparkplug 3.0 requires; 1 (accepted by common brokers and hosts, not spec-conformant) closes the window in which a QoS 0 message written just before a connection loss is lost (docs/mqtt.md). Default: 0. */
      dataQos: 0 | 1;
      /** Execute DCMD writes to the robots' Commands/* metrics through the command service (same validation, de-duplication, TTL and audit as REST/MQTT). Default: true. */
      commands: boolean;
    };
  };
  /** Local REST and WebSocket API. */
  api: {
    /** Default: true. */
    enabled: boolean;
    /** Listen address. Default: "0.0.0.0". */
    host: string;
    /** REST port (env PORT); 0 = any free port. Range: 0 .. 65535. Default: 4000. */
    port: number;
    /** WebSocket port (env WS_PORT); the same protocol is also served on the REST port under /ws. Range: 0 .. 65535. Default: 4001. */
    wsPort: number;
    /** Origins allowed by CORS; empty = same-origin only; '*' = any. */
    corsOrigins: Array<string>;
    /** Telemetry records kept in memory for GET /api/telemetry/latest. Range: 1 .. 100000. Default: 500. */
    telemetryBuffer: number;
    /** A WebSocket client whose unsent data exceeds this many bytes is disconnected. Range: 1024 .. inf. Default: 1048576. */
    wsMaxBufferedBytes: number;
    /** At most this many WebSocket connections at a time get permessage-deflate (RFC 7692) when they offer it; later ones get plain frames, 0 turns it off. Deflate makes the page's JSON frames about 10x smaller but costs CPU and ~70 KiB of zlib memory per connection (8 KiB window, memLevel 6), so the count is bounded: a LAN client cannot make the gateway compress for 200 connections. docs/api.md, 'Weight', has the figures. Range: 0 .. 200. Default: 8. */
    wsDeflateMaxClients: number;
    /** Access control. Commands always need a token with role technician or admin; with no tokens configured every command is refused (there is no default password). */
    auth: {
      /** 'open': GET endpoints and the WebSocket stream need no token (LAN); 'token': every read needs a valid token of any role. Default: "open". */
      read: "open" | "token";
      /** API tokens, stored hashed: create a hash with `fabwatch hash-token`. */
      tokens: Array<{
        /** Who holds the token (written to the audit log). */
        name: string;
        /** viewer: read only; technician and admin: read and commands. */
        role: "viewer" | "technician" | "admin";
        /** scrypt$N$r$p$salt$key as printed by `fabwatch hash-token` (never the token itself). */
        hash: string;
      }>;
    };
    /** Rate limit on command endpoints (REST and WebSocket), per client address. */
    commandRateLimit: {
      /** Commands allowed per window per client address. Range: 1 .. inf. Default: 30. */
      max: number;
      /** Window length (s). Range: 1 .. inf. Default: 60. */
      windowS: number;
    };
    /** WebSocket connections accepted at once (both ports, counted from the start of the handshake); further ones are refused with HTTP 503 TOO_MANY_CLIENTS. Range: 1 .. inf. Default: 200. */
    wsMaxClients: number;
    /** WebSocket connections accepted at once from one client address; further ones are refused with HTTP 503 TOO_MANY_CLIENTS. Range: 1 .. inf. Default: 20. */
    wsMaxClientsPerAddress: number;
    /** Host names the API may be addressed by (the Host header), besides IP addresses, localhost and this machine's host name (also .local/.lan). Others get 421 HOST_FORBIDDEN: the defence against DNS rebinding. Add the gateway's DNS name here; ["*"] turns the check off. */
    allowedHosts: Array<string>;
    /** Failed logins (wrong tokens) per client address: past max in a window, tokens from that address are refused with 429 AUTH_RATE_LIMITED before any scrypt runs, until the window ends. */
    authFailureLimit: {
      /** Failed logins allowed per window per client address. Range: 1 .. inf. Default: 10. */
      max: number;
      /** Window length (s). Range: 1 .. inf. Default: 60. */
      windowS: number;
    };
    /** Rate limit on reading endpoints (GET /api/*, /metrics, /api/ml/*), per client address; 429 RATE_LIMITED past it. /health, the page and /openapi.json are not limited. */
    readRateLimit: {
      /** Requests allowed per window per client address. Range: 1 .. inf. Default: 120. */
      max: number;
      /** Window length (s). Range: 1 .. inf. Default: 60. */
      windowS: number;
    };
  };
  /** The one command path (REST, WebSocket, MQTT): freshness of issued_at and de-duplication of ids ({gateway.stateDir}/commands.db). */
  commands: {
    /** A command whose issued_at is older than this is refused with EXPIRED (s). Range: 1 .. inf. Default: 60. */
    ttlS: number;
    /** A command whose issued_at is further in the future than this is refused with ISSUED_IN_FUTURE (s). Range: 0 .. inf. Default: 30. */
    clockSkewS: number;
    /** Executed command ids remembered (SQLite, survives restarts); a repeated id returns its first outcome and does not run again. Range: 100 .. 1000000. Default: 10000. */
    rememberIds: number;
    /** Executed command ids are forgotten after this long (h). Default: 24. */
    rememberHours: number;
  };
  /** Local telemetry history (SQLite in gateway.stateDir/history.db) behind GET /api/robots/:id/history and /api/telemetry/latest. */
  history: {
    /** Default: true. */
    enabled: boolean;
    /** Records older than this are deleted (h). Default: 168. */
    retentionHours: number;
    /** At most this many records are kept (oldest deleted first), whatever their age. Range: 100 .. inf. Default: 500000. */
    maxRows: number;
    /** Records are written in one transaction per interval (fewer SD-card writes). Range: 50 .. inf. Default: 1000. */
    flushIntervalMs: number;
  };
  model: {
    /** ONNX RUL model (env MODEL_PATH); its card is the same path with .json. A relative path is relative to the fabwatch package root (the folder with package.json, models/ and dist/), not the working directory. Default: "models/rul.onnx". */
    path: string;
    /** Load the RUL model; when it cannot be loaded the rest of the gateway runs and /health says RUL is unavailable. Default: true. */
    enabled: boolean;
    /** Confidence level of the RUL interval reported per robot (0-1). Default: 0.9. */
    confidenceLevel: number;
    /** Seconds between vibration snapshots fed to each robot's RUL tracker (the model was trained on one snapshot per 10 s). Default: 10. */
    snapshotIntervalS: number;
    /** Signed model updates over MQTT (docs/mqtt.md, "Model updates"): packages on factory/{site}/gateways/{gateway_id}/model are verified, written into gateway.stateDir/model and swapped in without a restart. */
    updates: {
      /** Subscribe to the model topic and accept signed packages (needs mqtt.enabled and at least one public key). Default: false. */
      enabled: boolean;
      /** Ed25519 public keys a package may be signed with (`fabwatch model keygen` prints an entry). */
      publicKeys: Array<{
        /** Key id; the package's key_id names it. */
        id: string;
        /** Base64 of the raw 32-byte Ed25519 public key. */
        publicKey: string;
      }>;
      /** Largest package accepted, bytes (checked before parsing). Range: 1024 .. 67108864. Default: 4194304. */
      maxPackageBytes: number;
    };
  };
  /** Wafer-handling robots, each with its vibration sensor. */
  robots: Array<RobotSchema>;
  /** I2C bus settings, one entry per bus number. A bus the sensors use that is not listed runs at the default speed (400000 Hz). The load check estimates each bus's utilisation from its sensors (ODR, FIFO reads, temperature reads) at this speed: over 80 % is a configuration error, over 60 % a warning (docs/hardware.md, "I2C bus budget"). */
  i2cBuses: Array<I2cBusSchema>;
  cleanroom: {
    /** Seconds between cleanroom/{site}/status messages. Default: 10. */
    publishIntervalS: number;
    counters: Array<ParticleCounterSchema>;
  };
  /** A GPIO output (stack light, PLC input) on while any active, unacknowledged alert at or above minSeverity exists. Simulated in simulation mode. */
  alarmOutput: {
    /** Default: false. */
    enabled: boolean;
    /** BCM line number (17 = header pin 11). The sysfs number is base + BCM, with the base read from /sys/class/gpio. Range: 0 .. 53. Default: 17. */
    gpio: number;
    /** Drive low for on (relay boards that switch on low). Default: false. */
    activeLow: boolean;
    /** Default: "warning". */
    minSeverity: "info" | "warning" | "critical";
  };
  /** `fabwatch ingest` (the fleet historian, docs/historian.md): MQTT shared subscriptions -> PostgreSQL. Ignored by the gateway (`fabwatch run`). */
  ingest: {
    database: {
      /** PostgreSQL connection URL (env DATABASE_URL, option --db). A password in it is never logged. Default: "postgres://localhost:5432/fabwatch". */
      url: string;
      /** statement_timeout of the ingest session (ms); 0 = none. Range: 0 .. inf. Default: 30000. */
      statementTimeoutMs: number;
    };
    mqtt: {
      /** Broker URL (env MQTT_URL, option --mqtt). MQTT 5 is required (shared subscriptions). Default: "mqtt://localhost:1883". */
      url: string;
      /** Shared-subscription group: the workers of one group share the messages ($share/<group>/...). Default: "fabwatch-ingest". */
      group: string;
      /** Client id, stable across restarts so the persistent session (and the messages the broker holds for it) is found again. Default: fabwatch-ingest-<hostname>-<instance>. */
      clientId?: string;
      username?: string;
      password?: string;
      /** MQTT keepalive (s). Range: 5 .. 65535. Default: 30. */
      keepaliveS: number;
      /** MQTT 5 session expiry (s): how long the broker keeps this worker's session and queued messages while it is down. Range: 0 .. inf. Default: 86400. */
      sessionExpiryS: number;
      /** MQTT 5 receive maximum: unacknowledged QoS 1 messages the broker may send this worker. Acks wait for the database commit, so this bounds the batch and the memory held. Range: 1 .. 65535. Default: 10000. */
      receiveMaximum: number;
      /** Delay between broker reconnection attempts (ms). Range: 100 .. inf. Default: 1000. */
      reconnectMs: number;
    };
    batch: {
      /** A batch is committed when this many messages wait (one transaction). Range: 1 .. inf. Default: 5000. */
      maxMessages: number;
      /** ... or when the oldest waiting message is this old (ms). Range: 1 .. inf. Default: 50. */
      maxDelayMs: number;
    };
    retry: {
      /** First wait before retrying a failed database write (ms); doubles per failure. Range: 10 .. inf. Default: 250. */
      minMs: number;
      /** Longest wait between database retries (ms). Range: 10 .. inf. Default: 5000. */
      maxMs: number;
    };
    /** Days of data kept (d): older daily partitions are dropped, older rejected/gateway_status rows deleted. Range: 1 .. inf. Default: 90. */
    retentionDays: number;
    /** Daily partitions created ahead of today (d). Range: 1 .. 60. Default: 3. */
    partitionsAheadDays: number;
    /** A message whose ts is further in the future than this (d) goes to `rejected` (TS_OUT_OF_RANGE); so does one older than retentionDays. Range: 0 .. inf. Default: 1. */
    maxFutureSkewDays: number;
    /** How often partitions are created ahead and old ones dropped (s). Range: 10 .. inf. Default: 3600. */
    maintenanceIntervalS: number;
    http: {
      /** Address of /health and /metrics. Default: "127.0.0.1". */
      host: string;
      /** Port of /health and /metrics; instance N listens on port + N - 1 (0 = any free port). Range: 0 .. 65535. Default: 9410. */
      port: number;
    };
  };
};
