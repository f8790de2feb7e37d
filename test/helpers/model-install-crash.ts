// Child process for test/unit/model-updater.test.ts: installs a model package into a state
// directory and is SIGKILLed after the model files are written, before installed.json is replaced
// (a power loss mid-update). argv: stateDir bundledModelPath packagePath keyId publicKey
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { AuditLog } from '../../src/core/audit.js';
import { ModelUpdater } from '../../src/prognosis/model-updater.js';
import { RulModel } from '../../src/prognosis/rul-model.js';
import { installedModel } from '../../src/prognosis/model-updater.js';

const [stateDir, bundled, pkg, keyId, publicKey] = process.argv.slice(2);
const inst = installedModel(stateDir);
const model = new RulModel(inst ? { modelPath: inst.modelPath, cardPath: inst.cardPath, source: 'update' } : { modelPath: bundled });
await model.start();
const updater = new ModelUpdater({
  model,
  stateDir,
  bundledModelPath: bundled,
  publicKeys: [{ id: keyId, publicKey }],
  maxPackageBytes: 1 << 22,
  audit: new AuditLog(pino({ level: 'silent' })),
  beforeCommit: () => process.kill(process.pid, 'SIGKILL'),
});
await updater.handlePackage(readFileSync(pkg));
process.stdout.write('not killed\n');
