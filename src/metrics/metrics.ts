import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RobotSensorStats } from '../acquisition/robot-sensors.js';
import type { DeviceFault } from '../core/device-fault.js';
import type { SparkplugStatus, UplinkStatus } from '../status/uplink-status.js';
import type { LoopDelaySnapshot } from '../acquisition/shared-ring.js';
import { LoopDelay } from '../core/loop-delay.js';

/** What the metrics read at scrape time; the wiring supplies it. */
export interface MetricSources {
  sensors: () => Iterable<[robotId: string, stats: RobotSensorStats]>;
  /** Active device faults (robots' sensors and particle counters). */
  faults: () => DeviceFault[];
  uplink: () => UplinkStatus;
  wsClients: () => number;
  /** Per robot, RUL estimates whose figures were clamped (src/prognosis/rul-cap.ts). */
  rulCapped?: () => Iterable<[robotId: string, count: number]>;
  /** The Sparkplug B edge node, when mqtt.sparkplug.enabled (its metrics are absent otherwise). */
  sparkplug?: () => SparkplugStatus | undefined;
}

/** The acquisition worker as the metrics read it. */
export interface AcquisitionWorkerSource {
  loopDelay(): LoopDelaySnapshot;
  status(): { alive: boolean; restarts: number; windows_skipped: number };
}

/**
 * GET /metrics in Prometheus text format. Counters mirror the components' own counts at scrape
 * time (nothing is counted twice); analysis time is observed per window; Node's default metrics
 * (with the event-loop lag) come from prom-client. One registry per gateway, no globals.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly analysis: Histogram<'robot'>;
  private readonly worker: { source?: AcquisitionWorkerSource } = {};
  /** This (the main) thread's event-loop delay. */
  readonly mainLoopDelay = new LoopDelay();

  constructor(src: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    const follow = this.follow.bind(this);
    follow('fabwatch_samples_acquired_total', 'Accelerometer samples read, per sensor', ['sensor'], () => [...src.sensors()].map(([id, s]) => [{ sensor: `${id}/accelerometer` }, s.samplesAcquired]));
    follow('fabwatch_samples_lost_total', 'Accelerometer samples lost (FIFO overruns, gaps), per sensor', ['sensor'], () => [...src.sensors()].map(([id, s]) => [{ sensor: `${id}/accelerometer` }, s.samplesLost]));
    follow('fabwatch_windows_total', 'Analysis windows assembled, per robot', ['robot'], () => [...src.sensors()].map(([id, s]) => [{ robot: id }, s.windows]));
    new Gauge({
      name: 'fabwatch_sample_rate_hz',
      help: 'Sample rate actually sustained, per sensor',
      labelNames: ['sensor'],
      registers,
      collect() {
        for (const [id, s] of src.sensors()) this.set({ sensor: `${id}/accelerometer` }, s.measuredRateHz);
      },
    });
    this.analysis = new Histogram({
      name: 'fabwatch_analysis_seconds',
      help: 'Time to analyse one vibration window, per robot',
      labelNames: ['robot'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25],
      registers,
    });
    new Gauge({
      name: 'fabwatch_uplink_outbox_depth',
      help: 'Messages waiting to be published upstream',
      registers,
      collect() {
        this.set(src.uplink().queued);
      },
    });
    new Gauge({
      name: 'fabwatch_uplink_connected',
      help: '1 when the MQTT uplink is connected',
      registers,
      collect() {
        this.set(src.uplink().connected ? 1 : 0);
      },
    });
    // A robot appears once one of its estimates was clamped (as prom-client's own labelled counters do).
    follow('fabwatch_rul_capped_total', 'RUL estimates clamped: above 2 x the longest training life or negative (reason in the RUL payload), per robot', ['robot'], () => [...(src.rulCapped?.() ?? [])].filter(([, n]) => n > 0).map(([id, n]) => [{ robot: id }, n]));
    follow('fabwatch_uplink_messages_published_total', 'Messages published upstream', [], () => [[{}, src.uplink().published]]);
    follow('fabwatch_uplink_messages_dropped_total', 'Messages dropped (outbox full)', [], () => [[{}, src.uplink().dropped]]);
    follow('fabwatch_mqtt_commands_retained_ignored_total', 'Retained MQTT command messages ignored (never executed)', [], () => [[{}, src.uplink().commands_retained_ignored]]);
    new Gauge({
      name: 'fabwatch_sparkplug_online',
      help: '1 when the Sparkplug edge node has published its births and is sending (absent when Sparkplug is off)',
      registers,
      collect() {
        const sp = src.sparkplug?.();
        if (sp) this.set(sp.online ? 1 : 0);
      },
    });
    new Gauge({
      name: 'fabwatch_sparkplug_outbox_depth',
      help: 'Sparkplug rows waiting to be sent (stored while the primary host or the broker is away)',
      registers,
      collect() {
        const sp = src.sparkplug?.();
        if (sp) this.set(sp.outbox.pending);
      },
    });
    const sp = (read: (s: SparkplugStatus) => Array<[Record<string, string>, number]>) => () => {
      const s = src.sparkplug?.();
      return s ? read(s) : [];
    };
    follow('fabwatch_sparkplug_messages_sent_total', 'Sparkplug DDATA/NDATA/DDEATH/DBIRTH sent from the outbox, all and historical (replayed)', ['kind'], sp((s) => [[{ kind: 'all' }, s.sent], [{ kind: 'historical' }, s.historical]]));
    follow('fabwatch_sparkplug_dropped_total', 'Sparkplug rows dropped: robot data at the outbox cap, or not sendable (skipped)', ['reason'], sp((s) => [[{ reason: 'cap' }, s.outbox.dropped], [{ reason: 'skipped' }, s.skipped]]));
    follow('fabwatch_sparkplug_bad_commands_total', 'NCMD/DCMD refused (SPARKPLUG_BAD_COMMAND)', [], sp((s) => [[{}, s.bad_commands]]));
    new Gauge({
      name: 'fabwatch_device_faults',
      help: 'Active device faults, per device and code',
      labelNames: ['device', 'code'],
      registers,
      collect() {
        this.reset();
        for (const f of src.faults()) this.inc({ device: f.device, code: f.code });
      },
    });
    this.mainLoopDelay.start();
    const mainLoop = this.mainLoopDelay;
    const worker = this.worker;
    new Gauge({
      name: 'fabwatch_event_loop_delay_seconds',
      help: 'Event-loop delay since start, per thread (main; acquisition = the acquisition worker): quantiles 0.5/0.9/0.99 and 1 (max) of perf_hooks.monitorEventLoopDelay',
      labelNames: ['thread', 'quantile'],
      registers,
      collect() {
        this.reset();
        const put = (thread: string, d: LoopDelaySnapshot) => {
          for (const [q, v] of [['0.5', d.p50], ['0.9', d.p90], ['0.99', d.p99], ['1', d.max]] as const) this.set({ thread, quantile: q }, v);
        };
        put('main', mainLoop.snapshot());
        if (worker.source) put('acquisition', worker.source.loopDelay());
      },
    });
    new Gauge({
      name: 'fabwatch_ws_clients',
      help: 'Connected WebSocket clients',
      registers,
      collect() {
        this.set(src.wsClients());
      },
    });
  }

  /** A counter that follows running totals read at scrape time (adds the difference each scrape). */
  follow(name: string, help: string, labelNames: string[], read: () => Array<[Record<string, string>, number]>): Counter<string> {
    const last = new Map<string, number>();
    return new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        for (const [labels, value] of read()) {
          const key = JSON.stringify(labels);
          const delta = value - (last.get(key) ?? 0);
          this.inc(labels, Math.max(0, delta));
          last.set(key, value);
        }
      },
    });
  }

  /** Acquisition runs in a worker: its event-loop delay, restarts, liveness and skipped windows. */
  addAcquisitionWorker(w: AcquisitionWorkerSource): void {
    this.worker.source = w;
    const read = (f: (s: ReturnType<AcquisitionWorkerSource['status']>) => number) => (): Array<[Record<string, string>, number]> => [[{}, f(w.status())]];
    this.follow('fabwatch_acquisition_worker_restarts_total', 'Restarts of the acquisition worker after it exited unexpectedly (ACQUISITION_WORKER_EXITED)', [], read((s) => s.restarts));
    this.follow('fabwatch_windows_skipped_total', 'Completed windows the main thread did not analyse because the acquisition ring had moved past them (samples acquired, analysis of those windows skipped)', [], read((s) => s.windows_skipped));
    new Gauge({
      name: 'fabwatch_acquisition_worker_up',
      help: '1 while the acquisition worker runs (absent when acquisition runs on the main thread)',
      registers: [this.registry],
      collect() {
        this.set(w.status().alive ? 1 : 0);
      },
    });
  }

  observeAnalysis(robotId: string, seconds: number): void {
    this.analysis.observe({ robot: robotId }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
