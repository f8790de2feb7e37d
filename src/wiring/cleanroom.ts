import type { Logger } from 'pino';
import type { FabwatchConfig } from '../config/types.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Component } from '../core/component.js';
import type { GatewayState } from '../state/gateway-state.js';
import { CounterPoller } from '../cleanroom/counter-poller.js';
import { LocationMonitor } from '../cleanroom/location-monitor.js';
import { locationStatusJson } from '../cleanroom/status-json.js';
import { counterFaultAlert, transitionAlerts } from '../cleanroom/alerts.js';
import { component } from './component.js';
import type { Devices } from './devices.js';

export interface Cleanroom {
  readonly pollers: CounterPoller[];
  /** Publishes cleanroom/{site}/status every cleanroom.publishIntervalS (and runs the stale-data check). */
  readonly publisher: Component;
}

/**
 * Per particle counter: driver on its Modbus line -> poller -> ISO 14644-1 location monitor ->
 * cleanroom state and alerts; plus the periodic status publisher.
 */
export async function createCleanroom(config: FabwatchConfig, deps: { clock: Clock; log: Logger; state: GatewayState; devices: Devices }): Promise<Cleanroom> {
  const { clock, log, state, devices } = deps;
  const sim = devices.platform.simulation;
  const monitors: LocationMonitor[] = [];
  const pollers: CounterPoller[] = [];
  for (const c of config.cleanroom.counters) {
    const { driver, slot } = await devices.counter(c);
    const sampleTimeS = c.sampleTimeS ?? (sim ? c.simulator.sampleTimeS : undefined);
    const staleAfterMs = c.faults.staleAfterS > 0 ? c.faults.staleAfterS * 1000 : sampleTimeS ? 3 * Math.max(sampleTimeS * 1000, c.pollIntervalS * 1000) : 0;
    const monitor = new LocationMonitor({ location: c.location, counterId: c.id, config: c.cleanroom, clock, channelSizesUm: c.channelSizesUm });
    monitors.push(monitor);
    const poller: CounterPoller = new CounterPoller({
      counterId: c.id,
      driver,
      slot,
      staleAfterMs,
      pollIntervalMs: c.pollIntervalS * 1000,
      clock,
      log: log.child({ counter: c.id }),
      onReading: (r) => {
        const { status, transitions } = monitor.ingest(r);
        state.updateCleanroom(locationStatusJson(status, poller.currentFault));
        for (const a of transitionAlerts(c.id, transitions)) state.raiseAlert(a);
      },
      onFault: (fault) => state.raiseAlert(counterFaultAlert(c, fault)),
    });
    pollers.push(poller);
  }

  let publishTimer: TimerHandle | undefined;
  const publisher = component('cleanroom:publisher', () => {
    if (pollers.length)
      publishTimer = clock.setInterval(() => {
        // The stale-data check runs even when a counter has gone silent.
        monitors.forEach((m, i) => {
          const { status, transitions } = m.tick();
          if (status) state.updateCleanroom(locationStatusJson(status, pollers[i].currentFault));
          for (const a of transitionAlerts(m.counterId, transitions)) state.raiseAlert(a);
        });
        state.publishCleanroom();
      }, config.cleanroom.publishIntervalS * 1000);
  }, () => publishTimer?.cancel());
  return { pollers, publisher };
}
