/**
 * The uplink's status as /health, /metrics and the page read it. Its own module so that the API and
 * the metrics can type it without importing src/uplink (uplink and api never import each other).
 */
export type OutboxFaultCode = 'OUTBOX_CORRUPT' | 'OUTBOX_UNAVAILABLE' | 'OUTBOX_WRITE_FAILED';

export interface OutboxFault {
  code: OutboxFaultCode;
  message: string;
  at: string;
  /** Where the unreadable file was moved (OUTBOX_CORRUPT). */
  quarantined?: string;
}

export interface OutboxStatus {
  mode: 'sqlite' | 'memory';
  durable: boolean;
  path: string;
  pending: number;
  bytes: number;
  cap_bytes: number;
  produced: number;
  acked: number;
  dropped: number;
  dropped_by_stream: Record<string, number>;
  durability_window: { ms: number; messages: number; synchronous: string };
  fault: OutboxFault | null;
}

export interface UplinkStatus {
  enabled: boolean;
  connected: boolean;
  broker: string;
  protocol_version: 4 | 5;
  /** Messages waiting in the outbox (not yet acknowledged by the broker). */
  queued: number;
  in_flight: number;
  /** Acknowledged by the broker (PUBACK) since start. */
  published: number;
  /** Telemetry dropped oldest-first at the outbox cap since start. */
  dropped: number;
  /** Refused by the broker (MQTT 5 PUBACK reason code >= 0x80): deleted, counted, logged. */
  rejected: number;
  replayed: number;
  /** Retained command messages ignored (never executed) since start. */
  commands_retained_ignored: number;
  lastError: string | null;
  connectedSince: string | null;
  outbox: OutboxStatus | null;
}

/** The Sparkplug B edge node's state (GET /health `sparkplug`, /metrics), when mqtt.sparkplug.enabled. */
export interface SparkplugStatus {
  enabled: true;
  group_id: string;
  edge_node_id: string;
  connected: boolean;
  /** NBIRTH and the DBIRTHs are out: data is being sent. */
  online: boolean;
  primary_host: { id: string; online: boolean } | null;
  bd_seq: number | null;
  births: number;
  sent: number;
  historical: number;
  /** Stored rows that could not be sent (device without a birth in the session or no longer configured, unreadable row): deleted, counted, logged. */
  skipped: number;
  bad_commands: number;
  outbox: OutboxStatus;
}
