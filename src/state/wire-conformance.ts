/**
 * Compile-time only: the payloads the gateway builds (state/types.ts) conform to the published
 * message schemas (docs/schemas/*.json, as types in the generated wire-types.ts). A field renamed
 * or retyped on one side and not the other fails `npm run typecheck`, not only the tests that
 * validate live messages. The uplink adds `seq` and `replayed` to every message.
 */
import type { Alert, CleanroomStatus, TelemetryRecord } from './types.js';
import type { AlertMessage, CleanroomStatusMessage, TelemetryMessage } from './wire-types.js';

type Sent<T> = T & { seq: number; replayed: boolean };
type Conforms<T extends U, U> = [T, U];

export type WireConformance = [Conforms<Sent<TelemetryRecord>, TelemetryMessage>, Conforms<Sent<Alert>, AlertMessage>, Conforms<Sent<CleanroomStatus>, CleanroomStatusMessage>];
