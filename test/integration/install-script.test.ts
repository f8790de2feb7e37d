import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasTool, skipUnlessRoot, skipWithoutTools } from '../helpers/skip.js';

/**
 * systemd/install.sh and uninstall.sh, run for real into a scratch image root (`--root`, the
 * pi-gen path): user and groups via systemd-sysusers, I2C in config.txt, bundle, config with its
 * permissions, unit enabled via `systemctl --root`; then uninstall keeps or purges the config.
 * Needs root (the scripts chown) plus systemd-sysusers and systemctl; skipped otherwise, except in
 * CI (which runs as root) where a missing tool or root fails (test/helpers/skip.ts).
 */
const ROOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const rootSkip = skipUnlessRoot('install.sh (it chowns)');
const skip = rootSkip || skipWithoutTools(['systemd-sysusers', 'systemctl', 'bash']);

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      res({ code, stdout, stderr });
    });
  });
}

test('install.sh --root installs user, I2C, bundle, config and the enabled unit; uninstall.sh removes them', { skip, timeout: 120_000 }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'fabwatch-install-'));
  try {
    // A minimal fabwatch tree: the scripts, a "built" bundle and the example config.
    const src = join(tmp, 'src');
    cpSync(join(ROOT_DIR, 'systemd'), join(src, 'systemd'), { recursive: true });
    mkdirSync(join(src, 'dist'), { recursive: true });
    writeFileSync(join(src, 'dist/fabwatch.mjs'), 'console.log("fabwatch");\n');
    writeFileSync(join(src, 'dist/acquisition-worker.mjs'), '// acquisition worker\n');
    mkdirSync(join(src, 'config'));
    writeFileSync(join(src, 'config/gateway.example.yaml'), 'gateway:\n  id: gw-example\n');
    writeFileSync(join(src, 'package.json'), '{"name":"fabwatch","version":"0.0.0"}\n');
    const image = join(tmp, 'image');
    mkdirSync(join(image, 'boot/firmware'), { recursive: true });
    writeFileSync(join(image, 'boot/firmware/config.txt'), '[all]\n#dtparam=i2c_arm=on\ndtparam=audio=on\n');

    const first = await run('bash', [join(src, 'systemd/install.sh'), '--root', image, '--deps', 'none']);
    assert.equal(first.code, 0, first.stderr);

    const passwd = readFileSync(join(image, 'etc/passwd'), 'utf8');
    const groups = readFileSync(join(image, 'etc/group'), 'utf8');
    assert.match(passwd, /^fabwatch:x:\d+:\d+:[^:]*:\/:\/usr\/sbin\/nologin$/m);
    for (const g of ['i2c', 'gpio', 'dialout', 'fabwatch']) assert.match(groups, new RegExp(`^${g}:`, 'm'));
    const gid = Number(/^fabwatch:x:(\d+):/m.exec(groups)![1]);

    const configTxt = readFileSync(join(image, 'boot/firmware/config.txt'), 'utf8');
    assert.match(configTxt, /^dtparam=i2c_arm=on$/m);
    assert.doesNotMatch(configTxt, /#dtparam=i2c_arm=on/);
    assert.equal(readFileSync(join(image, 'etc/modules-load.d/fabwatch-i2c.conf'), 'utf8'), 'i2c-dev\n');

    assert.equal(readFileSync(join(image, 'opt/fabwatch/dist/fabwatch.mjs'), 'utf8'), 'console.log("fabwatch");\n');
    assert.equal(readFileSync(join(image, 'opt/fabwatch/dist/acquisition-worker.mjs'), 'utf8'), '// acquisition worker\n');
    const conf = statSync(join(image, 'etc/fabwatch/config.yaml'));
    assert.equal(conf.mode & 0o777, 0o640);
    assert.equal(conf.uid, 0);
    assert.equal(conf.gid, gid);
    assert.equal(readFileSync(join(image, 'etc/systemd/system/fabwatch.service'), 'utf8'), readFileSync(join(ROOT_DIR, 'systemd/fabwatch.service'), 'utf8'));
    assert.ok(lstatSync(join(image, 'etc/systemd/system/multi-user.target.wants/fabwatch.service')).isSymbolicLink());
    // node is at /usr/bin/node here (checked by the unit's default), so no drop-in unless elsewhere.
    const dropIn = join(image, 'etc/systemd/system/fabwatch.service.d/10-install.conf');
    const nodeAtDefault = (await run('sh', ['-c', 'readlink -f "$(command -v node)"'])).stdout.trim() === '/usr/bin/node';
    assert.equal(existsSync(dropIn), !nodeAtDefault);

    // Re-running keeps an edited config and is otherwise idempotent.
    writeFileSync(join(image, 'etc/fabwatch/config.yaml'), 'gateway:\n  id: gw-edited\n');
    const second = await run('bash', [join(src, 'systemd/install.sh'), '--root', image, '--deps', 'none', '--prefix', '/opt/fw']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(readFileSync(join(image, 'etc/fabwatch/config.yaml'), 'utf8'), 'gateway:\n  id: gw-edited\n');
    assert.match(readFileSync(dropIn, 'utf8'), /^ExecStart=\S+ --max-semi-space-size=1 --optimize-for-size \/opt\/fw\/dist\/fabwatch\.mjs run --config \/etc\/fabwatch\/config\.yaml$/m);
    assert.equal((configTxt.match(/i2c_arm/g) ?? []).length, (readFileSync(join(image, 'boot/firmware/config.txt'), 'utf8').match(/i2c_arm/g) ?? []).length);

    const keep = await run('bash', [join(src, 'systemd/uninstall.sh'), '--root', image, '--prefix', '/opt/fw']);
    assert.equal(keep.code, 0, keep.stderr);
    assert.equal(existsSync(join(image, 'etc/systemd/system/fabwatch.service')), false);
    assert.equal(existsSync(join(image, 'etc/systemd/system/multi-user.target.wants/fabwatch.service')), false);
    assert.equal(existsSync(join(image, 'opt/fw')), false);
    assert.equal(existsSync(join(image, 'etc/fabwatch/config.yaml')), true);

    const purge = await run('bash', [join(src, 'systemd/uninstall.sh'), '--root', image, '--purge']);
    assert.equal(purge.code, 0, purge.stderr);
    assert.equal(existsSync(join(image, 'etc/fabwatch')), false);
    assert.equal(existsSync(join(image, 'opt/fabwatch')), false);
    if (hasTool('userdel')) assert.doesNotMatch(readFileSync(join(image, 'etc/passwd'), 'utf8'), /^fabwatch:/m);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('install.sh refuses to install without a built bundle or without its acquisition worker', { skip: rootSkip }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'fabwatch-install-'));
  try {
    cpSync(join(ROOT_DIR, 'systemd'), join(tmp, 'systemd'), { recursive: true });
    mkdirSync(join(tmp, 'image'));
    const r = await run('bash', [join(tmp, 'systemd/install.sh'), '--root', join(tmp, 'image'), '--deps', 'none']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /npm run build/);
    assert.equal(existsSync(join(tmp, 'image/opt')), false);
    // A bundle without the acquisition worker beside it (a partial copy) is refused too.
    mkdirSync(join(tmp, 'dist'));
    writeFileSync(join(tmp, 'dist/fabwatch.mjs'), 'console.log("fabwatch");\n');
    const partial = await run('bash', [join(tmp, 'systemd/install.sh'), '--root', join(tmp, 'image'), '--deps', 'none']);
    assert.notEqual(partial.code, 0);
    assert.match(partial.stderr, /acquisition-worker\.mjs not found/);
    assert.equal(existsSync(join(tmp, 'image/opt')), false);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
