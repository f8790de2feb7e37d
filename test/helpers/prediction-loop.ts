import type { RulModel } from '../../src/prognosis/rul-model.js';

/**
 * Predictions one after the other until stop() (a `pauseMs` pause between them; 0 = setImmediate):
 * every issued prediction ends up in `versions` (the model version that answered) or `failures`.
 */
export function predictionLoop(model: RulModel, row: number[], pauseMs = 0): { versions: string[]; failures: unknown[]; issued(): number; stop(): Promise<void> } {
  let stopped = false;
  let issued = 0;
  const versions: string[] = [];
  const failures: unknown[] = [];
  const done = (async () => {
    while (!stopped) {
      issued++;
      try {
        versions.push((await model.predict(row)).model_version);
      } catch (err) {
        failures.push(err);
      }
      await new Promise((r) => (pauseMs > 0 ? setTimeout(r, pauseMs) : setImmediate(r)));
    }
  })();
  return {
    versions,
    failures,
    issued: () => issued,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}
