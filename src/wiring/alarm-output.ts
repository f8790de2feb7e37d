import type { Logger } from 'pino';
import type { FabwatchConfig } from '../config/types.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Component } from '../core/component.js';
import type { GatewayState } from '../state/gateway-state.js';
import { StackLight } from '../outputs/stack-light.js';
import { component } from './component.js';
import type { Devices } from './devices.js';

/** The stack light on a GPIO line, driven by the active alerts; absent when alarmOutput.enabled is false. */
export function createStackLight(config: FabwatchConfig, deps: { log: Logger; state: GatewayState; devices: Devices }): StackLight | undefined {
  if (!config.alarmOutput.enabled) return undefined;
  const o = config.alarmOutput;
  return new StackLight({ line: deps.devices.outputLine(o.gpio, o.activeLow), state: deps.state, minSeverity: o.minSeverity, log: deps.log.child({ component: 'alarm-output' }) });
}

/**
 * Commissioning aid (gateway.testAlertIntervalMs): periodic info alerts that travel the whole alert
 * path; the outage and crash tests use it to prove alerts are never lost. Absent when 0.
 */
export function createTestAlerts(config: FabwatchConfig, deps: { clock: Clock; state: GatewayState }): Component | undefined {
  const testAlertMs = config.gateway.testAlertIntervalMs;
  if (!(testAlertMs > 0)) return undefined;
  let alertTimer: TimerHandle | undefined;
  const robotId = config.robots[0]?.id ?? null;
  return component('test-alerts', () => {
    alertTimer = deps.clock.setInterval(() => deps.state.raiseAlert({ robotId, source: 'test-alert', code: 'TEST_ALERT', severity: 'info', message: `test alert (gateway.testAlertIntervalMs = ${testAlertMs})`, active: false }), testAlertMs);
  }, () => alertTimer?.cancel());
}
