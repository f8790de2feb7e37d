/**
 * Exponential backoff with "full jitter" (AWS architecture blog, 2015): the delay is uniform in
 * [min, min * 2^attempt] capped at max, so a fleet of gateways that lost the same broker does not
 * reconnect in lockstep.
 */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(minMs + random() * Math.max(0, ceiling - minMs));
}
