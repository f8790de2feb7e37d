import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { MqttConfig } from '../config/types.js';
import { FabwatchError } from '../core/errors.js';

function readSecretFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    // The path is not secret; the contents are never put into messages or logs.
    throw new FabwatchError('UPLINK_CONFIG', `cannot read MQTT ${what} file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { path });
  }
}

/**
 * Room for everything in an MQTT 5 PUBLISH besides the payload: fixed header (<= 5 bytes), topic
 * (2 + its length), packet id (2) and properties (Response Topic, Correlation Data, User
 * Properties, ...). 4 KiB: a payload up to the application's own cap is always delivered, so the
 * gateway can answer it (e.g. INPUT_TOO_LARGE), whatever properties the sender adds.
 */
export const PUBLISH_OVERHEAD_BYTES = 4096;

/**
 * The Maximum Packet Size the gateway announces in CONNECT (MQTT 5 only): the largest payload it
 * accepts on any topic it subscribes to, plus the packet overhead. The broker then never sends it a
 * bigger packet (MQTT 5, 3.1.2.11.4: it discards it), so a 100 MB publish to a command topic never
 * reaches the gateway's memory. One value per connection: when model updates are on (their
 * packages may be model.updates.maxPackageBytes), that is the larger limit.
 */
export function maximumPacketSize(inbound: { commandBytes?: number; modelPackageBytes?: number }): number | undefined {
  const largest = Math.max(inbound.commandBytes ?? 0, inbound.modelPackageBytes ?? 0);
  return largest > 0 ? largest + PUBLISH_OVERHEAD_BYTES : undefined;
}

/**
 * mqtt.js options from the config slice: session, keepalive, credentials, TLS / mutual TLS, the
 * last will, and (MQTT 5) the Maximum Packet Size for `inbound` (maximumPacketSize above). Files
 * (CA, client cert/key, password) are read here, once, at start-up.
 */
export function clientOptions(cfg: MqttConfig, ids: { clientId: string }, will: { topic: string; payload: string }, inbound: { commandBytes?: number; modelPackageBytes?: number } = {}): IClientOptions {
  const opts: IClientOptions = {
    clientId: ids.clientId,
    protocolVersion: cfg.protocolVersion,
    keepalive: cfg.keepaliveS,
    connectTimeout: cfg.connectTimeoutMs,
    clean: cfg.clean,
    // Subscriptions are restored by mqtt.js after a reconnect that did not resume the session.
    resubscribe: true,
    // Only QoS 1 is published, and only while connected: the outbox, not mqtt.js, buffers.
    queueQoSZero: false,
    will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true },
  };
  if (cfg.protocolVersion === 5 && !cfg.clean) opts.properties = { sessionExpiryInterval: cfg.sessionExpiryS };
  const maxPacket = maximumPacketSize(inbound);
  if (cfg.protocolVersion === 5 && maxPacket !== undefined) opts.properties = { ...opts.properties, maximumPacketSize: maxPacket };
  if (cfg.username !== undefined) opts.username = cfg.username;
  if (cfg.passwordFile !== undefined) opts.password = readSecretFile(cfg.passwordFile, 'password').toString('utf8').replace(/\r?\n$/, '');
  else if (cfg.password !== undefined) opts.password = cfg.password;
  const tls = cfg.tls;
  if (tls) {
    if (tls.ca) opts.ca = readSecretFile(tls.ca, 'CA');
    if (tls.cert) opts.cert = readSecretFile(tls.cert, 'client certificate');
    if (tls.key) opts.key = readSecretFile(tls.key, 'client key');
    if (tls.passphrase !== undefined) (opts as IClientOptions & { passphrase?: string }).passphrase = tls.passphrase;
    if (tls.servername) opts.servername = tls.servername;
    opts.rejectUnauthorized = tls.rejectUnauthorized;
    if (Boolean(tls.cert) !== Boolean(tls.key)) throw new FabwatchError('UPLINK_CONFIG', 'mqtt.tls: cert and key go together (mutual TLS needs both)');
  }
  return opts;
}
