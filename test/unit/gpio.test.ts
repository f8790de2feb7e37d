import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectGpioBase, listGpioChips, sysfsNumber } from '../../drivers/gpio-sysfs-base.js';

/** Build a fake /sys/class/gpio tree with the given chips. */
async function fakeSysfs(chips: Array<{ name: string; base: number; label: string; ngpio: number }>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'fabwatch-gpio-'));
  await writeFile(join(root, 'export'), '');
  for (const c of chips) {
    await mkdir(join(root, c.name));
    await writeFile(join(root, c.name, 'base'), `${c.base}\n`);
    await writeFile(join(root, c.name, 'label'), `${c.label}\n`);
    await writeFile(join(root, c.name, 'ngpio'), `${c.ngpio}\n`);
  }
  return root;
}

test('Pi 4 on kernel 6.6: base 512 from pinctrl-bcm2711; BCM 17 -> sysfs 529', async () => {
  const root = await fakeSysfs([
    { name: 'gpiochip512', base: 512, label: 'pinctrl-bcm2711', ngpio: 58 },
    { name: 'gpiochip570', base: 570, label: 'raspberrypi-exp-gpio', ngpio: 8 },
  ]);
  try {
    const chip = await detectGpioBase(root);
    assert.equal(chip.base, 512);
    assert.equal(chip.label, 'pinctrl-bcm2711');
    assert.equal(sysfsNumber(chip, 17), 529);
  } finally {
    await rm(root, { recursive: true });
  }
});

test('Pi 5: the RP1 controller at base 571 is chosen even when another chip has a lower base', async () => {
  const root = await fakeSysfs([
    { name: 'gpiochip512', base: 512, label: 'gpio-brcmstb@107d508500', ngpio: 32 },
    { name: 'gpiochip544', base: 544, label: 'gpio-brcmstb@107d517c00', ngpio: 15 },
    { name: 'gpiochip571', base: 571, label: 'pinctrl-rp1', ngpio: 54 },
  ]);
  try {
    const chip = await detectGpioBase(root);
    assert.equal(chip.chip, 'gpiochip571');
    assert.equal(sysfsNumber(chip, 17), 588);
    assert.equal((await listGpioChips(root)).length, 3);
  } finally {
    await rm(root, { recursive: true });
  }
});

test('older kernels (base 0) and unknown boards', async () => {
  const old = await fakeSysfs([{ name: 'gpiochip0', base: 0, label: 'pinctrl-bcm2835', ngpio: 54 }]);
  const other = await fakeSysfs([{ name: 'gpiochip0', base: 0, label: 'tegra-gpio', ngpio: 200 }]);
  try {
    assert.equal(sysfsNumber(await detectGpioBase(old), 17), 17);
    await assert.rejects(detectGpioBase(other), (err: any) => err.code === 'GPIO_UNAVAILABLE' && /found: gpiochip0 \(tegra-gpio, base 0\)/.test(err.message));
    await assert.rejects(detectGpioBase(join(other, 'missing')), (err: any) => err.code === 'GPIO_UNAVAILABLE');
    assert.throws(() => sysfsNumber({ chip: 'gpiochip0', base: 0, label: 'x', ngpio: 54 }, 60), /BCM line 60 does not exist/);
  } finally {
    await rm(old, { recursive: true });
    await rm(other, { recursive: true });
  }
});
