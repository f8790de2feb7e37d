/**
 * #19: the MQTT 5 Maximum Packet Size in CONNECT (src/uplink/mqtt-options.ts): the largest payload
 * the connection takes on any subscribed topic plus the PUBLISH overhead; nothing on MQTT 3.1.1,
 * which has no such property (the broker's message_size_limit is the equivalent there).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../src/config/load.js';
import { clientOptions, maximumPacketSize, PUBLISH_OVERHEAD_BYTES } from '../../src/uplink/mqtt-options.js';

const will = { topic: 'w', payload: 'offline' };
const mqttConfig = (change: Record<string, unknown> = {}) => validateConfig({ gateway: { id: 'gw-opts' }, mqtt: { url: 'mqtt://127.0.0.1:1', ...change } }, 'test').mqtt;

test('maximumPacketSize: the larger inbound cap plus the overhead; none without inbound payloads', () => {
  assert.equal(maximumPacketSize({ commandBytes: 16_384 }), 16_384 + PUBLISH_OVERHEAD_BYTES);
  assert.equal(maximumPacketSize({ commandBytes: 16_384, modelPackageBytes: 4_194_304 }), 4_194_304 + PUBLISH_OVERHEAD_BYTES, 'model packages arrive on the same connection');
  assert.equal(maximumPacketSize({}), undefined);
});

test('clientOptions: MQTT 5 announces it in CONNECT properties (next to the session expiry), MQTT 3.1.1 cannot', () => {
  const v5 = clientOptions(mqttConfig(), { clientId: 'c' }, will, { commandBytes: 16_384 });
  assert.equal(v5.protocolVersion, 5);
  assert.equal(v5.properties?.maximumPacketSize, 16_384 + PUBLISH_OVERHEAD_BYTES);
  const persistent = clientOptions(mqttConfig({ clean: false }), { clientId: 'c' }, will, { commandBytes: 16_384 });
  assert.deepEqual(Object.keys(persistent.properties ?? {}).sort(), ['maximumPacketSize', 'sessionExpiryInterval']);
  assert.equal(clientOptions(mqttConfig({ protocolVersion: 4 }), { clientId: 'c' }, will, { commandBytes: 16_384 }).properties, undefined);
  assert.equal(clientOptions(mqttConfig(), { clientId: 'c' }, will).properties, undefined, 'nothing subscribed: no limit announced');
});
