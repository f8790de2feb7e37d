/**
 * Compile-time only. The payload types are derived from the schemas (src/state/types.ts); what is
 * left to check is the one shape kept by hand outside src/state: the device fault of
 * src/core/device-fault.ts (core does not import state) against docs/schemas/cleanroom-status.json's
 * deviceFault definition, both ways. A field renamed or retyped on one side fails `npm run typecheck`.
 */
import type { DeviceFault as CoreDeviceFault } from '../core/device-fault.js';
import type { DeviceFault } from './wire-types.js';

type Same<A extends B, B extends C, C = A> = [A, B, C];

export type WireConformance = [Same<CoreDeviceFault, DeviceFault>];
