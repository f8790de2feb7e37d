/** The MQTT topic tree (docs/mqtt.md). `{site}` defaults to `main`. */
export const topics = {
  telemetry: (site: string, robotId: string) => `factory/${site}/${robotId}/telemetry`,
  spectrum: (site: string, robotId: string) => `factory/${site}/${robotId}/spectrum`,
  command: (site: string, robotId: string) => `factory/${site}/${robotId}/cmd`,
  commandAck: (site: string, robotId: string) => `factory/${site}/${robotId}/cmd/ack`,
  robotAlerts: (site: string, robotId: string) => `factory/${site}/${robotId}/alerts`,
  cleanroomStatus: (site: string) => `cleanroom/${site}/status`,
  cleanroomAlerts: (site: string) => `cleanroom/${site}/alerts`,
  gatewayStatus: (site: string, gatewayId: string) => `factory/${site}/gateways/${gatewayId}/status`,
  gatewayAlerts: (site: string, gatewayId: string) => `factory/${site}/gateways/${gatewayId}/alerts`,
  /** Gateway commands (scope 'gateway', e.g. model_rollback) and their acks. */
  gatewayCommand: (site: string, gatewayId: string) => `factory/${site}/gateways/${gatewayId}/cmd`,
  gatewayCommandAck: (site: string, gatewayId: string) => `factory/${site}/gateways/${gatewayId}/cmd/ack`,
  /** Signed RUL model packages for one gateway (retained, QoS 1; src/prognosis/model-package.ts). */
  gatewayModel: (site: string, gatewayId: string) => `factory/${site}/gateways/${gatewayId}/model`,
};
