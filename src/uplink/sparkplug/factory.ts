import type { Logger } from 'pino';
import type { FabwatchConfig, MqttConfig } from '../../config/types.js';
import type { Clock } from '../../core/clock.js';
import type { GatewayState } from '../../state/gateway-state.js';
import type { CommandService } from '../../commands/service.js';
import { VERSION } from '../../version.js';
import { SparkplugNode } from './edge-node.js';
import { validSparkplugId } from './topics.js';
import { FabwatchError } from '../../core/errors.js';

/** The JSON uplink runs unless Sparkplug is on with `jsonTopics: false`. */
export function jsonUplinkConfig(mqtt: MqttConfig): MqttConfig {
  return mqtt.sparkplug.enabled && !mqtt.sparkplug.jsonTopics ? { ...mqtt, enabled: false } : mqtt;
}

/** Edge node and device ids must be usable as topic levels and unique within the node. */
export function checkSparkplugIds(config: FabwatchConfig): void {
  const ids = [...config.robots.map((r) => r.id), ...config.cleanroom.counters.map((c) => c.id)];
  const bad = [config.gateway.id, ...ids].filter((id) => !validSparkplugId(id));
  if (bad.length) throw new FabwatchError('SPARKPLUG_CONFIG', `Sparkplug ids cannot contain / + or #: ${bad.join(', ')}`);
  const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dup.length) throw new FabwatchError('SPARKPLUG_CONFIG', `Sparkplug device ids must be unique across robots and particle counters: ${[...new Set(dup)].join(', ')}`);
}

/** The Sparkplug B edge node when mqtt.sparkplug.enabled (and mqtt.enabled), else undefined. */
export function createSparkplug(config: FabwatchConfig, deps: { state: GatewayState; clock: Clock; log: Logger; commands?: CommandService }): SparkplugNode | undefined {
  if (!config.mqtt.enabled || !config.mqtt.sparkplug.enabled) return undefined;
  checkSparkplugIds(config);
  return new SparkplugNode({
    mqtt: config.mqtt,
    state: deps.state,
    clock: deps.clock,
    log: deps.log.child({ component: 'sparkplug' }),
    stateDir: config.gateway.stateDir,
    robots: config.robots.map((r) => r.id),
    locations: config.cleanroom.counters.map((c) => ({ id: c.id, sizesUm: c.channelSizesUm })),
    commands: deps.commands,
    version: VERSION,
    simulation: config.gateway.simulation,
  });
}
