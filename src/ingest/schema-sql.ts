/**
 * The historian's schema as numbered migrations (docs/historian.md). Applied in order by
 * `fabwatch ingest` at start-up, each in its own transaction, recorded in `schema_migrations`.
 * Never edit a migration that has shipped: add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Tables with a per-stream `seq`, partitioned by day on `ts` (partitions.ts creates and drops them). */
export const PARTITIONED_TABLES = ['telemetry', 'alerts', 'command_acks', 'cleanroom_status'] as const;
export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

const num = (path: string) => `((payload #>> '{${path}}')::double precision)`;

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'tables: telemetry, alerts, command_acks, cleanroom_status (daily partitions), gateway_status, rejected',
    sql: `
CREATE TABLE telemetry (
  gateway_id text NOT NULL,
  topic text NOT NULL,
  seq bigint NOT NULL,
  ts timestamptz NOT NULL,
  robot_id text NOT NULL,
  site text,
  received_at timestamptz NOT NULL,
  replayed boolean NOT NULL,
  payload jsonb NOT NULL,
  status text GENERATED ALWAYS AS (payload ->> 'status') STORED,
  health_score double precision GENERATED ALWAYS AS (${num('health_score')}) STORED,
  vibration_rms_g double precision GENERATED ALWAYS AS (${num('vibration,rms')}) STORED,
  velocity_rms_mm_s double precision GENERATED ALWAYS AS (coalesce(${num('iso20816,velocity_rms_mm_s')}, ${num('vibration,velocity_rms_mm_s')})) STORED,
  iso_zone text GENERATED ALWAYS AS (payload #>> '{iso20816,zone}') STORED,
  diagnosis text GENERATED ALWAYS AS (payload #>> '{diagnosis,label}') STORED,
  rul_s double precision GENERATED ALWAYS AS (${num('rul,rul_s')}) STORED,
  rul_low_s double precision GENERATED ALWAYS AS (${num('rul,rul_low_s')}) STORED,
  rul_high_s double precision GENERATED ALWAYS AS (${num('rul,rul_high_s')}) STORED,
  temperature_c double precision GENERATED ALWAYS AS (${num('temperature')}) STORED,
  PRIMARY KEY (gateway_id, topic, seq, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX telemetry_robot_ts ON telemetry (robot_id, ts);

CREATE TABLE alerts (
  gateway_id text NOT NULL,
  topic text NOT NULL,
  seq bigint NOT NULL,
  ts timestamptz NOT NULL,
  site text,
  received_at timestamptz NOT NULL,
  replayed boolean NOT NULL,
  payload jsonb NOT NULL,
  alert_id text GENERATED ALWAYS AS (payload ->> 'id') STORED,
  robot_id text GENERATED ALWAYS AS (payload ->> 'robot_id') STORED,
  source text GENERATED ALWAYS AS (payload ->> 'source') STORED,
  code text GENERATED ALWAYS AS (payload ->> 'code') STORED,
  severity text GENERATED ALWAYS AS (payload ->> 'severity') STORED,
  message text GENERATED ALWAYS AS (payload ->> 'message') STORED,
  active boolean GENERATED ALWAYS AS ((payload ->> 'active')::boolean) STORED,
  acknowledged boolean GENERATED ALWAYS AS ((payload ->> 'acknowledged')::boolean) STORED,
  PRIMARY KEY (gateway_id, topic, seq, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX alerts_alert_id ON alerts (gateway_id, alert_id, ts);

CREATE TABLE command_acks (
  gateway_id text NOT NULL,
  topic text NOT NULL,
  seq bigint NOT NULL,
  ts timestamptz NOT NULL,
  site text,
  received_at timestamptz NOT NULL,
  replayed boolean NOT NULL,
  payload jsonb NOT NULL,
  robot_id text GENERATED ALWAYS AS (payload ->> 'robot_id') STORED,
  command_id text GENERATED ALWAYS AS (payload ->> 'id') STORED,
  command text GENERATED ALWAYS AS (payload ->> 'command') STORED,
  status text GENERATED ALWAYS AS (payload ->> 'status') STORED,
  code text GENERATED ALWAYS AS (payload ->> 'code') STORED,
  PRIMARY KEY (gateway_id, topic, seq, ts)
) PARTITION BY RANGE (ts);

-- One row per location (counter) per cleanroom/{site}/status message; payload is that location's object.
CREATE TABLE cleanroom_status (
  gateway_id text NOT NULL,
  topic text NOT NULL,
  seq bigint NOT NULL,
  ts timestamptz NOT NULL,
  counter_id text NOT NULL,
  location text NOT NULL,
  site text,
  received_at timestamptz NOT NULL,
  replayed boolean NOT NULL,
  sizes_um double precision[],
  concentration_per_m3 double precision[],
  average_per_m3 double precision[],
  payload jsonb NOT NULL,
  iso_class double precision GENERATED ALWAYS AS (${num('iso_class')}) STORED,
  configured_class double precision GENERATED ALWAYS AS (${num('configured_class')}) STORED,
  meets_configured_class boolean GENERATED ALWAYS AS ((payload ->> 'meets_configured_class')::boolean) STORED,
  data_valid boolean GENERATED ALWAYS AS ((payload ->> 'data_valid')::boolean) STORED,
  PRIMARY KEY (gateway_id, topic, seq, counter_id, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX cleanroom_status_location_ts ON cleanroom_status (location, ts);

-- Retained state, no seq: one row per distinct (gateway, ts, state).
CREATE TABLE gateway_status (
  gateway_id text NOT NULL,
  topic text NOT NULL,
  ts timestamptz NOT NULL,
  state text NOT NULL,
  site text,
  received_at timestamptz NOT NULL,
  payload jsonb NOT NULL,
  PRIMARY KEY (gateway_id, topic, ts, state)
);

-- Every message that could not be stored as data, with the reason. Never dropped silently.
CREATE TABLE rejected (
  id bigserial PRIMARY KEY,
  received_at timestamptz NOT NULL,
  topic text NOT NULL,
  gateway_id text,
  seq bigint,
  code text NOT NULL,
  reason text NOT NULL,
  payload bytea NOT NULL,
  payload_sha256 bytea NOT NULL,
  UNIQUE (topic, payload_sha256)
);
CREATE INDEX rejected_received_at ON rejected (received_at);
`,
  },
  {
    version: 2,
    name: 'completeness views: stream_seqs, stream_progress, stream_gaps',
    sql: `
-- Every stored (gateway_id, topic, seq) once: a cleanroom status message has one row per location.
CREATE VIEW stream_seqs AS
  SELECT gateway_id, topic, seq, ts, received_at, replayed FROM telemetry
  UNION ALL SELECT gateway_id, topic, seq, ts, received_at, replayed FROM alerts
  UNION ALL SELECT gateway_id, topic, seq, ts, received_at, replayed FROM command_acks
  UNION ALL SELECT gateway_id, topic, seq, min(ts), min(received_at), bool_or(replayed) FROM cleanroom_status GROUP BY gateway_id, topic, seq;

-- Latest seq and ts per stream (stream = gateway_id + topic).
CREATE VIEW stream_progress AS
  SELECT gateway_id, topic,
         min(seq) AS first_seq,
         max(seq) AS last_seq,
         count(DISTINCT seq) AS messages,
         max(seq) - min(seq) + 1 - count(DISTINCT seq) AS missing,
         max(ts) AS last_ts,
         max(received_at) AS last_received_at,
         count(*) FILTER (WHERE replayed) AS replayed
  FROM stream_seqs GROUP BY gateway_id, topic;

-- Holes between the first and the last stored seq of each stream. A hole of 50 000 .. 100 000 is
-- most likely the gateway's power-loss seq jump (docs/mqtt.md): those seqs were never used.
CREATE VIEW stream_gaps AS
  SELECT gateway_id, topic,
         seq + 1 AS first_missing_seq,
         next_seq - 1 AS last_missing_seq,
         next_seq - seq - 1 AS missing,
         CASE WHEN next_seq - seq - 1 BETWEEN 50000 AND 100000
              THEN 'probably the power-loss seq jump of the gateway (+100000 after an unclean reboot, docs/mqtt.md): these seqs were never sent'
         END AS note
  FROM (SELECT gateway_id, topic, seq, lead(seq) OVER (PARTITION BY gateway_id, topic ORDER BY seq) AS next_seq
        FROM (SELECT DISTINCT gateway_id, topic, seq FROM stream_seqs) d) s
  WHERE next_seq > seq + 1;
`,
  },
  {
    version: 3,
    name: 'dashboard views: robot_latest, robot_hourly, cleanroom_hourly, alerts_open',
    sql: `
-- Latest telemetry per robot (robots heard from in the last 7 days: the bound keeps it to recent partitions).
CREATE VIEW robot_latest AS
  SELECT DISTINCT ON (gateway_id, robot_id)
         gateway_id, robot_id, site, ts, seq, status, health_score, vibration_rms_g, velocity_rms_mm_s,
         iso_zone, diagnosis, rul_s, rul_low_s, rul_high_s, temperature_c, received_at
  FROM telemetry
  WHERE ts > now() - interval '7 days'
  ORDER BY gateway_id, robot_id, ts DESC;

-- Hourly health, vibration, velocity and RUL per robot.
CREATE VIEW robot_hourly AS
  SELECT date_trunc('hour', ts) AS hour, gateway_id, robot_id,
         count(*) AS messages,
         avg(health_score) AS health_score_avg, min(health_score) AS health_score_min,
         avg(vibration_rms_g) AS vibration_rms_g_avg, max(vibration_rms_g) AS vibration_rms_g_max,
         avg(velocity_rms_mm_s) AS velocity_rms_mm_s_avg, max(velocity_rms_mm_s) AS velocity_rms_mm_s_max,
         max(iso_zone) AS iso_zone_worst,
         avg(rul_s) AS rul_s_avg, min(rul_low_s) AS rul_low_s_min, max(rul_high_s) AS rul_high_s_max,
         avg(temperature_c) AS temperature_c_avg
  FROM telemetry
  GROUP BY 1, 2, 3;

-- ISO 14644-1 class per location per hour (the worst, i.e. highest, class measured in the hour).
CREATE VIEW cleanroom_hourly AS
  SELECT date_trunc('hour', ts) AS hour, gateway_id, location, counter_id,
         count(*) AS samples,
         max(iso_class) AS iso_class_worst, avg(iso_class) AS iso_class_avg,
         max(configured_class) AS configured_class,
         bool_and(meets_configured_class) AS met_configured_class_all_hour,
         count(*) FILTER (WHERE NOT data_valid) AS invalid_samples
  FROM cleanroom_status
  WHERE counter_id <> ''
  GROUP BY 1, 2, 3, 4;

-- Alerts whose latest message says active (acknowledged or not), newest first.
CREATE VIEW alerts_open AS
  SELECT * FROM (
    SELECT DISTINCT ON (gateway_id, alert_id)
           gateway_id, alert_id, robot_id, source, code, severity, message, active, acknowledged, ts, seq, topic
    FROM alerts
    ORDER BY gateway_id, alert_id, ts DESC, seq DESC
  ) latest
  WHERE active
  ORDER BY ts DESC;
`,
  },
];
