import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one ingest worker (GET /metrics on ingest.http.port). */
export class IngestMetrics {
  readonly registry = new Registry();
  readonly received = new Counter({ name: 'fabwatch_ingest_messages_received_total', help: 'MQTT messages received, by kind (telemetry, alert, command_ack, cleanroom_status, gateway_status, rejected)', labelNames: ['kind'], registers: [this.registry] });
  readonly rows = new Counter({ name: 'fabwatch_ingest_rows_inserted_total', help: 'Rows inserted (committed), by table', labelNames: ['table'], registers: [this.registry] });
  readonly duplicates = new Counter({ name: 'fabwatch_ingest_rows_duplicate_total', help: 'Rows already stored (redelivery or replay; ON CONFLICT DO NOTHING), by table', labelNames: ['table'], registers: [this.registry] });
  readonly rejected = new Counter({ name: 'fabwatch_ingest_rejected_total', help: 'Messages stored in the rejected table, by code', labelNames: ['code'], registers: [this.registry] });
  readonly acked = new Counter({ name: 'fabwatch_ingest_messages_acked_total', help: 'Messages PUBACKed after their transaction committed', registers: [this.registry] });
  readonly acksDropped = new Counter({ name: 'fabwatch_ingest_acks_superseded_total', help: 'Acks not sent because the connection they belonged to was gone (the broker redelivers those messages)', registers: [this.registry] });
  readonly batches = new Counter({ name: 'fabwatch_ingest_batches_total', help: 'Committed transactions', registers: [this.registry] });
  readonly dbErrors = new Counter({ name: 'fabwatch_ingest_db_errors_total', help: 'Failed database writes (each is retried), by SQLSTATE or error code', labelNames: ['code'], registers: [this.registry] });
  readonly batchSeconds = new Histogram({ name: 'fabwatch_ingest_batch_seconds', help: 'Time to write and commit one batch', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry] });
  readonly batchSize = new Histogram({ name: 'fabwatch_ingest_batch_messages', help: 'Messages per committed batch', buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000], registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'fabwatch_ingest_latency_seconds',
    help: 'Production ts (payload) to commit, for messages not replayed',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly pending = new Gauge({ name: 'fabwatch_ingest_pending_messages', help: 'Messages received and not yet committed (not yet acknowledged to the broker)', registers: [this.registry] });
  readonly dbUp = new Gauge({ name: 'fabwatch_ingest_database_up', help: '1 when the last database write succeeded', registers: [this.registry] });
  readonly mqttUp = new Gauge({ name: 'fabwatch_ingest_mqtt_connected', help: '1 while connected to the broker', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'fabwatch_ingest_' });
  }
}
