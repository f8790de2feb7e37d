import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { errorCode } from '../../src/core/errors.js';
import { parseRecording, readRecording, readRecordingSync } from '../../src/recording/recording.js';

const dir = mkdtempSync(path.join(tmpdir(), 'fabwatch-recording-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, data: Buffer, meta: Record<string, unknown>): string {
  writeFileSync(path.join(dir, name + (meta.dtype === 'int16le' ? '.i16' : '.f32')), data);
  const p = path.join(dir, name + '.json');
  writeFileSync(p, JSON.stringify(meta));
  return p;
}

test('int16 + scale and float32 of the same values read the same; snapshots, views and times', async () => {
  const values = [0.065, -1.5, 20.001, -32.767, 0, 0.001];
  const i16 = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => i16.writeInt16LE(Math.round(v / 0.001), i * 2));
  const f32 = Buffer.from(Float32Array.from(values).buffer);
  const common = { sampleRateHz: 25600, layout: 'snapshots concatenated, snapshot-major', snapshotLength: 2, numSnapshots: 3, snapshotIntervalS: 10, numSamples: 6 };
  const a = readRecordingSync(write('a', i16, { ...common, dtype: 'int16le', scale: 0.001 }));
  const b = await readRecording(write('b', f32, { ...common, dtype: 'float32le' }));
  assert.equal(a.multiSnapshot, true);
  assert.equal(a.snapshots.length, 3);
  for (let i = 0; i < values.length; i++) assert.ok(Math.abs(a.samples[i] - b.samples[i]) < 1e-6, `sample ${i}: ${a.samples[i]} vs ${b.samples[i]}`);
  assert.deepEqual([...a.snapshot(1)], [...b.samples.subarray(2, 4)]);
  assert.deepEqual([...a.timesS], [0, 10, 20]);
  // the .i16 path itself is accepted and maps to its sidecar
  assert.equal(readRecordingSync(path.join(dir, 'a.i16')).samples.length, 6);
});

test('a continuous recording is one snapshot; midnight is unwrapped, a small clock glitch is not', () => {
  const r = parseRecording('x.json', JSON.stringify({ sampleRateHz: 100 }), 'x.f32', Buffer.from(new Float32Array(10).buffer));
  assert.equal(r.multiSnapshot, false);
  assert.deepEqual(r.snapshots, [{ start: 0, length: 10 }]);
  const meta = { sampleRateHz: 100, snapshotLength: 2, numSnapshots: 4, snapshotStartSecondsOfDay: [86_380, 86_390, 0, 10] };
  const m = parseRecording('m.json', JSON.stringify(meta), 'm.f32', Buffer.from(new Float32Array(8).buffer));
  assert.deepEqual([...m.timesS], [0, 10, 20, 30]);
});

test('errors have stable codes: int16 without scale, size not matching, missing files, bad dtype', async () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return errorCode(e);
    }
    return 'no error';
  };
  assert.equal(code(() => parseRecording('s.json', JSON.stringify({ sampleRateHz: 1, dtype: 'int16le' }), 's.i16', Buffer.alloc(4))), 'RECORDING_INVALID');
  assert.equal(code(() => parseRecording('s.json', JSON.stringify({ sampleRateHz: 1, dtype: 'int16le', scale: 0.001 }), 's.i16', Buffer.alloc(3))), 'RECORDING_INVALID');
  assert.equal(code(() => parseRecording('s.json', JSON.stringify({ sampleRateHz: 1, dtype: 'float64le' }), 's.f32', Buffer.alloc(8))), 'RECORDING_INVALID');
  assert.equal(code(() => parseRecording('s.json', JSON.stringify({ sampleRateHz: 1, numSamples: 3 }), 's.f32', Buffer.alloc(8))), 'RECORDING_INVALID');
  assert.equal(code(() => parseRecording('s.json', JSON.stringify({ sampleRateHz: 1, snapshotLength: 3, numSnapshots: 2 }), 's.f32', Buffer.alloc(16))), 'RECORDING_INVALID');
  assert.equal(code(() => readRecordingSync(path.join(dir, 'nope.json'))), 'RECORDING_UNREADABLE');
  writeFileSync(path.join(dir, 'orphan.json'), JSON.stringify({ sampleRateHz: 1, dtype: 'int16le', scale: 1 }));
  await assert.rejects(readRecording(path.join(dir, 'orphan.json')), (e) => errorCode(e) === 'RECORDING_UNREADABLE');
});
