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
 * mqtt.js options from the config slice: session, keepalive, credentials, TLS / mutual TLS, the
 * last will. Files (CA, client cert/key, password) are read here, once, at start-up.
 */
export function clientOptions(cfg: MqttConfig, ids: { clientId: string }, will: { topic: string; payload: string }): IClientOptions {
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
