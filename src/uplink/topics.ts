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
  /** Signed RUL model packages for one gateway (retained, QoS 1; src/health/model-package.ts). */
  gatewayModel: (site: string, gatewayId: string) => `factory/${site}/gateways/${gatewayId}/model`,
};
