/**
 * The gateway's payload types. They are not written here: each is derived from its published JSON
 * Schema in docs/schemas/*.json, through the types `npm run gen:config-types` generates into
 * src/state/wire-types.ts (a test fails when that file is not what the schemas give). To change a
 * payload, change its schema, regenerate, and the type check shows every place to follow.
 *
 * A message's schema includes the uplink's `seq` and `replayed`; the payload the gateway builds
 * (and serves over REST / WebSocket) is the same without them.
 *
 * Hand-written here, because no schema describes them: only StateEvents (the in-process event map
 * of GatewayState). DeviceFault stays in src/core/device-fault.ts (core imports nothing of state);
 * src/state/wire-conformance.ts checks at compile time that it and the schema's agree.
 */
import type { AlertMessage, CleanroomLocation, CleanroomStatusMessage, Rul, RobotStateMessage, SpectrumMessage, TelemetryMessage } from './wire-types.js';

export type { AxisSummary, Diagnosis as DiagnosisSummary, FaultFrequencies as FaultFrequencySummary, HealthSource, Iso20816 as Iso20816Summary, RobotStatus, SpectrumBands, VibrationSummary } from './wire-types.js';

/** The fields the uplink adds to every message (docs/schemas: seq, replayed). */
type Envelope = 'seq' | 'replayed';

/** factory/{site}/{robot_id}/spectrum, at analysis.spectrumPublishIntervalS (docs/schemas/spectrum.json). */
export type SpectrumSummary = Omit<SpectrumMessage, Envelope>;

/** The gateway's current picture of one robot, as served by GET /api/robots/:id (docs/schemas/robot-state.json). */
export type RobotState = RobotStateMessage;

/** Remaining useful life and its state (docs/schemas/telemetry.json#/definitions/rul, docs/rul.md). */
export type RobotRul = Rul;

/** One telemetry record: what goes to factory/{site}/{robot_id}/telemetry (docs/schemas/telemetry.json) before the uplink adds `seq` and `replayed`. */
export type TelemetryRecord = Omit<TelemetryMessage, Envelope>;

/** One cleanroom location (counter) as served by GET /api/cleanroom/status and cleanroom/{site}/status. */
export type CleanroomLocationStatus = CleanroomLocation;

/** cleanroom/{site}/status (docs/schemas/cleanroom-status.json) and GET /api/cleanroom/status. */
export type CleanroomStatus = Omit<CleanroomStatusMessage, Envelope>;

/** An alert (docs/schemas/alert.json), before the uplink adds `seq` and `replayed`. */
export type Alert = Omit<AlertMessage, Envelope>;

/** ISA-18.2 alarm states (src/state/alarm-model.ts, docs/alarms.md). */
export type AlarmStateName = Alert['state'];

export type AlertSeverity = Alert['severity'];

export interface StateEvents {
  telemetry: [TelemetryRecord];
  robot_update: [RobotState];
  cleanroom: [CleanroomStatus];
  alert: [Alert];
  spectrum: [SpectrumSummary];
}
