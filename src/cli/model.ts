/**
 * `fabwatch model keygen | sign | publish | verify`: make and send signed RUL model packages
 * (src/prognosis/model-package.ts, docs/mqtt.md "Model updates"), so nobody hand-crafts one.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../core/atomic-file.js';
import { errorCode, errorMessage } from '../core/errors.js';
import { DEFAULT_MAX_PACKAGE_BYTES, generateModelSigningKey, parseModelPackage, signModelPackage, verifyModelPackage, withGoldenVectors } from '../prognosis/model-package.js';
import { topics } from '../uplink/topics.js';

const USAGE = `usage:
  fabwatch model keygen --out KEY.pem [--key-id ID]
      new Ed25519 signing key (private key written 0600 to KEY.pem); prints the public key and
      the model.updates.publicKeys entry for the gateways' config
  fabwatch model sign --model rul.onnx [--card rul.json] --key KEY.pem --key-id ID --out PKG.json [--rollback]
      package the ONNX + card, adding golden_vectors to the card (computed in onnxruntime-node
      from this ONNX file) when it has none, signed with KEY.pem; --rollback lets gateways accept
      it although its version is not newer
  fabwatch model verify PKG.json --public-key BASE64 --key-id ID [--current VERSION]
      run every check a gateway runs on PKG.json (signature, shapes, golden vectors, version)
  fabwatch model publish PKG.json --url mqtt://HOST:1883 --site SITE --gateway ID [--username U] [--no-retain]
      send it (QoS 1, retained unless --no-retain) on factory/SITE/gateways/ID/model;
      the password comes from $MQTT_PASSWORD
`;

type Out = { write(s: string): unknown };

function usageError(err: string, stderr: Out): number {
  stderr.write(`fabwatch model: ${err}\n\n${USAGE}`);
  return 2;
}

/** `fabwatch model ...`; returns the exit code (0 ok, 1 failure, 2 usage). */
export async function modelCommand(argv: string[], stdout: Out = process.stdout, stderr: Out = process.stderr): Promise<number> {
  const sub = argv[0];
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    stdout.write(USAGE);
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.slice(1),
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        'key-id': { type: 'string' },
        model: { type: 'string' },
        card: { type: 'string' },
        key: { type: 'string' },
        rollback: { type: 'boolean' },
        'public-key': { type: 'string' },
        current: { type: 'string' },
        url: { type: 'string' },
        site: { type: 'string' },
        gateway: { type: 'string' },
        username: { type: 'string' },
        'no-retain': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return usageError(errorMessage(err), stderr);
  }
  const { values: v, positionals } = parsed;
  if (v.help || !sub) {
    stdout.write(USAGE);
    return sub ? 0 : 2;
  }
  try {
    switch (sub) {
      case 'keygen': {
        if (!v.out) return usageError('keygen needs --out KEY.pem', stderr);
        const k = generateModelSigningKey();
        writeFileAtomic(v.out, k.privateKeyPem, 0o600);
        const id = v['key-id'] ?? 'fleet';
        stdout.write(`private key: ${v.out} (keep it off the gateways)\npublic key: ${k.publicKey}\n\nconfig (each gateway):\nmodel:\n  updates:\n    enabled: true\n    publicKeys:\n      - id: ${id}\n        publicKey: ${k.publicKey}\n`);
        return 0;
      }
      case 'sign': {
        if (!v.model || !v.key || !v['key-id'] || !v.out) return usageError('sign needs --model, --key, --key-id and --out', stderr);
        const onnx = readFileSync(v.model);
        const cardPath = v.card ?? v.model.replace(/\.onnx$/i, '') + '.json';
        const card = await withGoldenVectors(onnx, readFileSync(cardPath, 'utf8'));
        const pkg = signModelPackage({ onnxBytes: onnx, cardBytes: Buffer.from(card, 'utf8'), keyId: v['key-id'], privateKeyPem: readFileSync(v.key, 'utf8'), rollback: v.rollback === true });
        const text = JSON.stringify(pkg);
        writeFileAtomic(v.out, text);
        stdout.write(`${v.out}: model ${pkg.version}${pkg.rollback ? ' (rollback)' : ''}, ${text.length} bytes, signed with key ${pkg.key_id}\n`);
        return 0;
      }
      case 'verify': {
        const file = positionals[0];
        if (!file || !v['public-key'] || !v['key-id']) return usageError('verify needs PKG.json, --public-key and --key-id', stderr);
        const ok = await verifyModelPackage(readFileSync(file), { publicKeys: [{ id: v['key-id'], publicKey: v['public-key'] }], currentVersion: v.current ?? null });
        stdout.write(`${file}: OK, model ${ok.version}${ok.rollback ? ' (rollback)' : ''}, onnx sha256 ${ok.sha256}\n`);
        return 0;
      }
      case 'publish': {
        const file = positionals[0];
        if (!file || !v.url || !v.site || !v.gateway) return usageError('publish needs PKG.json, --url, --site and --gateway', stderr);
        const payload = readFileSync(file);
        const pkg = parseModelPackage(payload, DEFAULT_MAX_PACKAGE_BYTES); // refuse to send what no gateway would parse
        const topic = topics.gatewayModel(v.site, v.gateway);
        const { connectAsync } = await import('mqtt');
        const client = await connectAsync(v.url, { username: v.username, password: process.env.MQTT_PASSWORD, clientId: `fabwatch-model-publish-${process.pid}`, connectTimeout: 10_000, reconnectPeriod: 0 });
        try {
          await client.publishAsync(topic, payload, { qos: 1, retain: v['no-retain'] !== true });
        } finally {
          await client.endAsync();
        }
        stdout.write(`published model ${pkg.version}${pkg.rollback ? ' (rollback)' : ''} on ${topic}${v['no-retain'] ? '' : ' (retained)'}\n`);
        return 0;
      }
      default:
        return usageError(`unknown subcommand "${sub}"`, stderr);
    }
  } catch (err) {
    stderr.write(`fabwatch model ${sub}: ${errorCode(err)}: ${errorMessage(err)}\n`);
    return 1;
  }
}
