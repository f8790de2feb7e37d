/** Sparkplug B topics: spBv1.0/{group_id}/{message_type}/{edge_node_id}[/{device_id}] and spBv1.0/STATE/{host_id}. */
export type NodeMessage = 'NBIRTH' | 'NDEATH' | 'NDATA' | 'NCMD';
export type DeviceMessage = 'DBIRTH' | 'DDEATH' | 'DDATA' | 'DCMD';

export const NAMESPACE = 'spBv1.0';

export const spbTopics = {
  node: (group: string, type: NodeMessage, node: string) => `${NAMESPACE}/${group}/${type}/${node}`,
  device: (group: string, type: DeviceMessage, node: string, device: string) => `${NAMESPACE}/${group}/${type}/${node}/${device}`,
  state: (hostId: string) => `${NAMESPACE}/STATE/${hostId}`,
};

/** A Sparkplug id (group, edge node, device) must not contain the MQTT separators or wildcards. */
export function validSparkplugId(id: string): boolean {
  return id.length > 0 && !/[/+#]/.test(id);
}

/** The parts of an edge-node or device topic, or null for anything else. */
export function parseTopic(topic: string): { group: string; type: string; node: string; device?: string } | null {
  const p = topic.split('/');
  if (p[0] !== NAMESPACE || p.length < 4 || p.length > 5 || p[1] === 'STATE') return null;
  return { group: p[1], type: p[2], node: p[3], device: p[4] };
}

/**
 * Outbox stream of an entity: its DDATA (NDATA for the node) topic for data rows; death/birth rows of
 * a device are stored under its DDEATH topic, so the DDATA stream's seq (`Stream Seq`) counts data only.
 */
export function entityTopics(group: string, node: string) {
  return {
    data: (e: { id: string | null }) => (e.id === null ? spbTopics.node(group, 'NDATA', node) : spbTopics.device(group, 'DDATA', node, e.id)),
    lifecycle: (e: { id: string | null }) => spbTopics.device(group, 'DDEATH', node, e.id!),
  };
}
export type EntityTopics = ReturnType<typeof entityTopics>;
