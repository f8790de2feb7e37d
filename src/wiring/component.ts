import type { Component } from '../core/component.js';

/** A tiny component from two functions (simulator hosts, periodic publishers, handle closers). */
export function component(name: string, start: () => Promise<void> | void, stop: () => Promise<void> | void): Component {
  let running = false;
  return {
    name,
    async start() {
      if (running) return;
      running = true;
      await start();
    },
    async stop() {
      if (!running) return;
      running = false;
      await stop();
    },
  };
}
