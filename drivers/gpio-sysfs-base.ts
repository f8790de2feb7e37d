import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeviceError, DeviceErrorCode } from './errors.js';

export interface GpioChipInfo {
  chip: string;
  base: number;
  label: string;
  ngpio: number;
}

/**
 * Labels of the SoC GPIO controller whose offsets are the BCM numbers: Pi 5 (RP1), Pi 4
 * (BCM2711), Pi 3 / Zero 2 (BCM2835/7). The HAT EEPROM / firmware expander chips have other labels.
 */
const SOC_LABELS = [/^pinctrl-rp1$/, /^pinctrl-bcm2711$/, /^pinctrl-bcm283[5-7]$/];

/** Every gpiochip under a sysfs GPIO root (`/sys/class/gpio`), with its base, label and size. */
export async function listGpioChips(root = '/sys/class/gpio'): Promise<GpioChipInfo[]> {
  let names: string[];
  try {
    names = (await readdir(root)).filter((n) => /^gpiochip\d+$/.test(n));
  } catch (err) {
    throw new DeviceError(DeviceErrorCode.GPIO_UNAVAILABLE, `no sysfs GPIO at ${root}: ${(err as Error).message} (kernel without CONFIG_GPIO_SYSFS, or not a Raspberry Pi)`, { root }, err);
  }
  const chips: GpioChipInfo[] = [];
  for (const chip of names) {
    const read = async (f: string) => (await readFile(join(root, chip, f), 'utf8')).trim();
    try {
      chips.push({ chip, base: Number(await read('base')), label: await read('label'), ngpio: Number(await read('ngpio').catch(() => 'NaN')) });
    } catch {
      // A chip directory without base/label is not usable; skip it.
    }
  }
  return chips.sort((a, b) => a.base - b.base);
}

/**
 * The sysfs number base of the Pi's SoC GPIO controller: 512 on a Pi 4 (kernel 6.6), 571 on a
 * Pi 5, 0 on older kernels. sysfs GPIO number = base + BCM offset; exporting the bare BCM number
 * fails with EINVAL on current Raspberry Pi OS.
 */
export async function detectGpioBase(root = '/sys/class/gpio'): Promise<GpioChipInfo> {
  const chips = await listGpioChips(root);
  for (const re of SOC_LABELS) {
    const hit = chips.find((c) => re.test(c.label));
    if (hit) return hit;
  }
  const found = chips.map((c) => `${c.chip} (${c.label}, base ${c.base})`).join(', ') || 'none';
  throw new DeviceError(DeviceErrorCode.GPIO_UNAVAILABLE, `no Raspberry Pi SoC GPIO controller under ${root} (found: ${found}); set the line's sysfs number explicitly`, { root, chips });
}

/** sysfs GPIO number for a BCM line on the detected chip; checks the line exists on it. */
export function sysfsNumber(chip: GpioChipInfo, bcm: number): number {
  if (!Number.isInteger(bcm) || bcm < 0 || (Number.isFinite(chip.ngpio) && bcm >= chip.ngpio)) {
    throw new DeviceError(DeviceErrorCode.GPIO_UNAVAILABLE, `BCM line ${bcm} does not exist on ${chip.chip} (${chip.label}, ${chip.ngpio} lines)`, { bcm, chip: chip.chip });
  }
  return chip.base + bcm;
}
