/**
 * The gateway side of signed model updates (issue #16 part B): verify a received package
 * (model-package.ts), write it into the state directory so a power loss leaves the old model
 * working, swap it into the running RulModel without a restart, keep the previous model for
 * rollback, and roll back by command or by itself when the new model faults at run time.
 *
 * Store: <stateDir>/model/
 *   installed.json            {current, previous}: which files are the running and the previous model
 *   rul-<sha12>.onnx / .json  the model files, each written atomically
 * A package is committed by rewriting installed.json atomically AFTER its files are on disk: a
 * crash before that rename leaves installed.json naming the old model (the new files are removed
 * as strays at the next start); after it, the new model is complete on disk.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { AuditLog } from '../core/audit.js';
import { errorCode, errorMessage, FabwatchError } from '../core/errors.js';
import { parseModelPackage, verifyModelPackage, type TrustedKey } from './model-package.js';
import type { RulModel } from './rul-model.js';

export const ModelUpdateErrorCode = {
  MODEL_STORE_IO: 'MODEL_STORE_IO',
  MODEL_SWAP_FAILED: 'MODEL_SWAP_FAILED',
  MODEL_NO_PREVIOUS: 'MODEL_NO_PREVIOUS',
  MODEL_PKG_WITHDRAWN: 'MODEL_PKG_WITHDRAWN',
  MODEL_UPDATE_BUSY: 'MODEL_UPDATE_BUSY',
} as const;

/** Packages waiting for their turn at most (each may be maxPackageBytes): more are refused, not queued. */
export const MAX_PENDING_PACKAGES = 2;

export interface InstalledEntry {
  version: string;
  sha256: string;
  onnx: string;
  card: string;
  /** 'bundled' = copied from model.path when the first update replaced it. */
  origin: 'bundled' | 'update';
  key_id?: string;
  installed_at: string;
  /** Set when this model faulted at run time and was rolled back from: never rolled back to, never installed again. */
  faulted?: boolean;
  /** Set when a model_rollback went back from it: the same package (retained, again at a reconnect) is not installed again. */
  withdrawn?: boolean;
}

export interface InstalledState {
  current: InstalledEntry;
  previous: InstalledEntry | null;
}

/** 'unchanged': the package is the model already running (the retained package, again after a reconnect): nothing done, no alert. */
export type ModelUpdateAction = 'accepted' | 'rejected' | 'swapped' | 'rolled_back' | 'rollback_failed' | 'unchanged';

/** One thing that happened, for the alert/ack upstream (the audit line is written here). */
export interface ModelUpdateEvent {
  action: ModelUpdateAction;
  /** Version concerned: the package's, or the one rolled back to. */
  version: string | null;
  /** Version that ran before. */
  previous_version: string | null;
  trigger: 'mqtt' | 'command' | 'self';
  code?: string;
  reason: string;
  ts: string;
}

export interface ModelUpdaterOptions {
  model: RulModel;
  stateDir: string;
  /** The bundled model (model.path) and its card, copied into the store as the first "previous". */
  bundledModelPath: string;
  publicKeys: readonly TrustedKey[];
  maxPackageBytes: number;
  audit: AuditLog;
  now?: () => number;
  /** Every accept, reject, swap and rollback (the wiring sends it upstream). */
  onEvent?: (e: ModelUpdateEvent) => void;
  /** Test hook: called after the model files are written, before installed.json is replaced. */
  beforeCommit?: () => void;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The store directory for a state directory. */
export function modelStoreDir(stateDir: string): string {
  return join(stateDir, 'model');
}

/**
 * The installed (updated) model to load at start, or null for the bundled one. Never throws: a
 * missing, unreadable or inconsistent store means the bundled model.
 */
export function installedModel(stateDir: string): { modelPath: string; cardPath: string; entry: InstalledEntry; state: InstalledState } | null {
  const dir = modelStoreDir(stateDir);
  try {
    const state = JSON.parse(readFileSync(join(dir, 'installed.json'), 'utf8')) as InstalledState;
    const e = state?.current;
    if (!e || typeof e.onnx !== 'string' || typeof e.card !== 'string' || e.origin !== 'update') return null;
    const modelPath = join(dir, e.onnx);
    if (sha256(readFileSync(modelPath)) !== e.sha256) return null;
    return { modelPath, cardPath: join(dir, e.card), entry: e, state };
  } catch {
    return null;
  }
}

export class ModelUpdater {
  private readonly dir: string;
  private state: InstalledState | null;
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private readonly now: () => number;
  readonly recent: ModelUpdateEvent[] = [];

  constructor(private readonly o: ModelUpdaterOptions) {
    this.dir = modelStoreDir(o.stateDir);
    this.now = o.now ?? Date.now;
    this.state = installedModel(o.stateDir)?.state ?? null;
    this.removeStrays();
    o.model.onFault = (err, version) => {
      void this.serial(() => this.selfRollback(err, version));
    };
  }

  /** The store's current/previous, or null while the bundled model runs. */
  get installed(): InstalledState | null {
    return this.state;
  }

  /** One update or rollback at a time, in arrival order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** A package from factory/{site}/gateways/{id}/model: verify, store, swap. Never throws. */
  handlePackage(payload: Uint8Array | string): Promise<ModelUpdateEvent> {
    if (this.pending >= MAX_PENDING_PACKAGES) {
      return Promise.resolve(this.emit({ action: 'rejected', version: null, previous_version: this.currentVersion(), trigger: 'mqtt', code: ModelUpdateErrorCode.MODEL_UPDATE_BUSY, reason: `${this.pending} model packages are already waiting to be checked: this one is dropped (publish one package at a time)` }));
    }
    this.pending++;
    return this.serial(() => this.install(payload)).finally(() => this.pending--);
  }

  /** The model_rollback command: back to the previous model. Rejects with MODEL_NO_PREVIOUS / MODEL_SWAP_FAILED. */
  rollback(trigger: 'command' | 'self' = 'command', reason = 'rollback requested'): Promise<ModelUpdateEvent> {
    return this.serial(async () => {
      const e = await this.rollbackNow(trigger, reason);
      if (e.action !== 'rolled_back') throw new FabwatchError(e.code ?? ModelUpdateErrorCode.MODEL_SWAP_FAILED, e.reason);
      return e;
    });
  }

  private emit(e: Omit<ModelUpdateEvent, 'ts'>): ModelUpdateEvent {
    const ev: ModelUpdateEvent = { ...e, ts: new Date(this.now()).toISOString() };
    const ok = e.action === 'accepted' || e.action === 'swapped' || e.action === 'rolled_back';
    this.o.audit.record(
      { event: 'model', transport: e.trigger === 'mqtt' ? 'mqtt' : 'local', what: `model ${e.action} ${e.version ?? ''}`.trim(), status: ok ? 'ok' : e.action === 'rejected' ? 'rejected' : 'failed', code: e.code },
      e.reason,
    );
    this.recent.push(ev);
    if (this.recent.length > 50) this.recent.shift();
    try {
      this.o.onEvent?.(ev);
    } catch {
      // a failing listener must not undo an installed model
    }
    return ev;
  }

  private currentVersion(): string | null {
    return this.o.model.loaded ? this.o.model.version : null;
  }

  private async install(payload: Uint8Array | string): Promise<ModelUpdateEvent> {
    const before = this.currentVersion();
    try {
      const p = parseModelPackage(payload, this.o.maxPackageBytes);
      if (before !== null && p.version === before && sha256(Buffer.from(p.onnx_b64, 'base64')) === this.o.model.card.onnx.sha256) {
        return { action: 'unchanged', version: before, previous_version: before, trigger: 'mqtt', reason: `model ${before} is already running`, ts: new Date(this.now()).toISOString() };
      }
    } catch {
      // verifyModelPackage below says why, with its code
    }
    let v;
    try {
      v = await verifyModelPackage(payload, { publicKeys: this.o.publicKeys, currentVersion: before, maxBytes: this.o.maxPackageBytes });
    } catch (err) {
      return this.emit({ action: 'rejected', version: null, previous_version: before, trigger: 'mqtt', code: errorCode(err), reason: errorMessage(err) });
    }
    const prev = this.state?.previous;
    if (prev && (prev.faulted || prev.withdrawn) && prev.sha256 === v.sha256 && !v.rollback) {
      return this.emit({ action: 'rejected', version: v.version, previous_version: before, trigger: 'mqtt', code: ModelUpdateErrorCode.MODEL_PKG_WITHDRAWN, reason: `model ${v.version} was rolled back from on this gateway (${prev.faulted ? 'it faulted at run time' : 'model_rollback'}): not installed again; publish a newer version` });
    }
    this.emit({ action: 'accepted', version: v.version, previous_version: before, trigger: 'mqtt', reason: `model ${v.version} verified (key ${v.keyId}${v.rollback ? ', signed rollback' : ''})` });
    let entry: InstalledEntry;
    let previous: InstalledEntry | null;
    try {
      previous = this.state?.current ?? this.bundledEntry();
      entry = this.writeModel(v.onnxBytes, v.cardBytes, v.version, 'update', v.keyId);
      this.o.beforeCommit?.();
    } catch (err) {
      return this.emit({ action: 'rejected', version: v.version, previous_version: before, trigger: 'mqtt', code: ModelUpdateErrorCode.MODEL_STORE_IO, reason: `cannot write model ${v.version} into ${this.dir}: ${errorMessage(err)}` });
    }
    try {
      await this.o.model.swap(v.onnxBytes, v.cardBytes.toString('utf8'), 'update', `model ${v.version}`);
    } catch (err) {
      return this.emit({ action: 'rejected', version: v.version, previous_version: before, trigger: 'mqtt', code: ModelUpdateErrorCode.MODEL_SWAP_FAILED, reason: `model ${v.version} could not be swapped in (${errorCode(err)}): ${errorMessage(err)}` });
    }
    try {
      this.commit({ current: entry, previous });
    } catch (err) {
      // runs now, but a restart would bring back the old model: say so
      return this.emit({ action: 'swapped', version: v.version, previous_version: before, trigger: 'mqtt', code: ModelUpdateErrorCode.MODEL_STORE_IO, reason: `model ${v.version} runs, but installed.json could not be written (a restart returns to ${before}): ${errorMessage(err)}` });
    }
    return this.emit({ action: 'swapped', version: v.version, previous_version: before, trigger: 'mqtt', reason: `model ${v.version} is running (was ${before ?? 'none'})` });
  }

  private async rollbackNow(trigger: 'command' | 'self', reason: string, faultedVersion?: string): Promise<ModelUpdateEvent> {
    const before = this.currentVersion();
    const prev = this.state?.previous ?? null;
    if (!this.state || !prev || prev.faulted) {
      return this.emit({ action: 'rollback_failed', version: null, previous_version: before, trigger, code: ModelUpdateErrorCode.MODEL_NO_PREVIOUS, reason: `no previous model to roll back to (${reason})` });
    }
    try {
      const onnx = readFileSync(join(this.dir, prev.onnx));
      const card = readFileSync(join(this.dir, prev.card), 'utf8');
      await this.o.model.swap(onnx, card, prev.origin, `previous model ${prev.version}`);
      const cur: InstalledEntry = { ...this.state.current, ...(faultedVersion !== undefined ? { faulted: true } : { withdrawn: true }) };
      delete prev.withdrawn;
      this.commit({ current: prev, previous: cur });
    } catch (err) {
      return this.emit({ action: 'rollback_failed', version: prev.version, previous_version: before, trigger, code: ModelUpdateErrorCode.MODEL_SWAP_FAILED, reason: `rollback to ${prev.version} failed: ${errorMessage(err)}` });
    }
    return this.emit({ action: 'rolled_back', version: prev.version, previous_version: before, trigger, reason: `rolled back from ${before} to ${prev.version}: ${reason}` });
  }

  private async selfRollback(err: FabwatchError, version: string): Promise<void> {
    // Only an updated model is rolled back from, and only while it still runs.
    if (this.state?.current.origin !== 'update' || this.currentVersion() !== version || this.state.current.version !== version) return;
    await this.rollbackNow('self', `model ${version} faulted at run time (${err.code}): ${err.message}`, version);
  }

  private bundledEntry(): InstalledEntry {
    const onnx = readFileSync(this.o.bundledModelPath);
    const card = readFileSync(this.o.bundledModelPath.replace(/\.onnx$/i, '') + '.json');
    const version = (JSON.parse(card.toString('utf8')) as { version?: unknown }).version;
    return this.writeModel(onnx, card, typeof version === 'string' ? version : 'unknown', 'bundled');
  }

  private writeModel(onnx: Buffer, card: Buffer, version: string, origin: InstalledEntry['origin'], keyId?: string): InstalledEntry {
    const sha = sha256(onnx);
    const base = `rul-${sha.slice(0, 12)}-${sha256(card).slice(0, 8)}`;
    writeFileAtomic(join(this.dir, `${base}.onnx`), onnx);
    writeFileAtomic(join(this.dir, `${base}.json`), card);
    return { version, sha256: sha, onnx: `${base}.onnx`, card: `${base}.json`, origin, ...(keyId ? { key_id: keyId } : {}), installed_at: new Date(this.now()).toISOString() };
  }

  private commit(state: InstalledState): void {
    writeFileAtomic(join(this.dir, 'installed.json'), JSON.stringify(state, null, 1) + '\n');
    this.state = state;
    this.removeStrays();
  }

  /** Remove model files installed.json does not name (left by a crash before the commit). */
  private removeStrays(): void {
    if (!existsSync(this.dir)) return;
    const keep = new Set(['installed.json']);
    for (const e of [this.state?.current, this.state?.previous]) if (e) (keep.add(e.onnx), keep.add(e.card));
    try {
      for (const f of readdirSync(this.dir)) if (!keep.has(f) && /^(rul-[0-9a-f]+-[0-9a-f]+\.(onnx|json)|\..*\.tmp)$/.test(f)) rmSync(join(this.dir, f), { force: true });
    } catch {
      // best effort: a stray file costs only disk space
    }
  }
}
