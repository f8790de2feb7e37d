import type { CommandContext, CommandDefinition } from './types.js';
import type { GatewayState } from '../state/gateway-state.js';
import { FabwatchError } from '../core/errors.js';

/** What the robot commands act on; the wiring supplies it. */
export interface RobotControl {
  startAcquisition(robotId: string): Promise<void>;
  stopAcquisition(robotId: string): Promise<void>;
  /** Bearing replaced: a fresh RUL tracker and its saved state deleted; returns what was discarded. Absent = not offered. */
  resetRul?(robotId: string): unknown;
  state: GatewayState;
}

interface AckParams {
  alert_id: string;
  comment?: string;
}
const ACK_PARAMETERS = { properties: { alert_id: { type: 'string', minLength: 1, maxLength: 200 }, comment: { type: 'string', maxLength: 500 } }, required: ['alert_id'] };

/** Who acknowledged: the token's name, else the transport (an open gateway has no names). */
const actorOf = (ctx: CommandContext): string => ctx.actor ?? `anonymous (${ctx.source})`;

/** The commands a monitoring gateway takes for a robot (REST, WebSocket and MQTT alike). */
export function robotCommands(ctl: RobotControl): CommandDefinition<never>[] {
  const defs: CommandDefinition<any>[] = [
    {
      name: 'start_acquisition',
      description: 'Start sampling the robot\'s sensors (after stop_acquisition).',
      parameters: { properties: {} },
      run: async (robotId: string) => {
        await ctl.startAcquisition(robotId);
        ctl.state.setSampling(robotId, true);
      },
    },
    {
      name: 'stop_acquisition',
      description: 'Stop sampling the robot\'s sensors (e.g. during maintenance).',
      parameters: { properties: {} },
      run: async (robotId: string) => {
        await ctl.stopAcquisition(robotId);
        ctl.state.setSampling(robotId, false);
      },
    },
    {
      name: 'set_maintenance_mode',
      description: 'Mark the robot as under maintenance: alerts for it are raised as info only.',
      parameters: { properties: { enabled: { type: 'boolean' } }, required: ['enabled'] },
      run: (robotId: string, p: { enabled: boolean }) => {
        ctl.state.setMaintenance(robotId, p.enabled);
        return { maintenance: p.enabled };
      },
    },
    {
      name: 'acknowledge_alert',
      description: 'Acknowledge an alarm of this robot, by its alarm_id or the id of one of its alert events; an optional comment is kept with it.',
      parameters: ACK_PARAMETERS,
      run: (robotId: string, p: AckParams, ctx: CommandContext) => {
        const alert = ctl.state.acknowledgeAlert(p.alert_id, robotId, { by: actorOf(ctx), comment: p.comment });
        if (!alert) throw new FabwatchError('ALERT_NOT_FOUND', `no alert "${p.alert_id}" for robot ${robotId}`);
        return alert;
      },
    },
    ...(ctl.resetRul
      ? [
          {
            name: 'reset_rul',
            description: 'Bearing replaced: discard the robot\'s RUL tracker (baselines, degradation model, latched degrading/failed) and its saved state; RUL goes back to learning.',
            parameters: { properties: {} },
            run: (robotId: string) => ctl.resetRul!(robotId),
          },
        ]
      : []),
    {
      name: 'acknowledge_gateway_alert',
      description: 'Acknowledge any alarm of this gateway by alarm_id or alert id, also those that belong to no robot (cleanroom); POST /api/alerts/:id/acknowledge.',
      scope: 'gateway',
      parameters: ACK_PARAMETERS,
      run: (_gateway: string, p: AckParams, ctx: CommandContext) => {
        const alert = ctl.state.acknowledgeAlert(p.alert_id, undefined, { by: actorOf(ctx), comment: p.comment });
        if (!alert) throw new FabwatchError('ALERT_NOT_FOUND', `no alert "${p.alert_id}"`);
        return alert;
      },
    },
  ];
  return defs as CommandDefinition<never>[];
}
