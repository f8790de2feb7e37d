/**
 * Writes the RUL model (src/prognosis/rul-math.ts) as an ONNX graph (opset 17, standard ops only:
 * Max, Log, Sub, Div, MatMul, Add, Relu, Clip, Exp, Mul), so the gateway runs it with
 * onnxruntime-node and nothing else. The graph reproduces `rulForward` in float32.
 *
 * Input  `features`        float32 [N, d]  model inputs (d = 4) (see RUL_MODEL_INPUTS / models/rul.json)
 * Output `rul_median_s`    float32 [N, 1]  exp(mu), seconds
 *        `rul_log_sigma`   float32 [N, 1]  calibrated sigma of log RUL (interval at any level)
 *        `rul_quantiles_s` float32 [N, K]  RUL at RUL_QUANTILE_LEVELS, seconds
 *        `health_indicator`float32 [N, 1]  0 (failed) .. 1 (healthy)
 */
import { INPUT_FLOOR, LOG_SIGMA_MAX, LOG_SIGMA_MIN, normalQuantile, RUL_QUANTILE_LEVELS, type RulModelParams } from '../rul-math.js';
import { ProtoWriter } from './protobuf.js';

const FLOAT = 1;

interface Tensor {
  name: string;
  dims: number[];
  data: number[];
}

interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
}

function writeTensor(w: ProtoWriter, t: Tensor): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, FLOAT);
  w.string(8, t.name);
  const raw = new Uint8Array(t.data.length * 4);
  const dv = new DataView(raw.buffer);
  t.data.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  w.bytes(9, raw);
}

function writeValueInfo(w: ProtoWriter, name: string, dims: Array<number | string>): void {
  w.string(1, name);
  w.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.int(1, FLOAT);
      tensorType.message(2, (shape) => {
        for (const d of dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

export interface OnnxExportMeta {
  modelVersion: number;
  producerVersion: string;
  docString: string;
  metadata: Record<string, string>;
}

/** Serialise `p` to ONNX bytes. */
export function exportRulOnnx(p: RulModelParams, meta: OnnxExportMeta): Uint8Array {
  // input width from the parameters (normally RUL_MODEL_INPUT_COUNT; tests export other widths to
  // exercise the runtime's mismatch checks)
  const d = p.inMean.length;
  const K = RUL_QUANTILE_LEVELS.length;
  const inits: Tensor[] = [];
  const nodes: Node[] = [];
  const c = (name: string, dims: number[], data: number[]): string => {
    inits.push({ name, dims, data });
    return name;
  };
  const op = (opType: string, inputs: string[], output: string): string => {
    nodes.push({ op: opType, inputs, outputs: [output] });
    return output;
  };

  const floor = c('input_floor', [], [INPUT_FLOOR]);
  const inMean = c('in_mean', [d], p.inMean);
  const inStd = c('in_std', [d], p.inStd);
  let z = op('Max', ['features', floor], 'floored');
  z = op('Log', [z], 'log_features');
  z = op('Sub', [z, inMean], 'centred');
  z = op('Div', [z, inStd], 'z');

  let act = z;
  let width: number = d;
  if (p.hidden > 0) {
    const h = p.hidden;
    const w1 = c('w1', [d, h], p.w1);
    const b1 = c('b1', [h], p.b1);
    act = op('MatMul', [z, w1], 'pre1');
    act = op('Add', [act, b1], 'pre1b');
    act = op('Relu', [act], 'hidden1');
    width = h;
  }
  // heads as one [width, 2] matrix: column 0 = mu, column 1 = raw log sigma
  const wh: number[] = [];
  for (let j = 0; j < width; j++) wh.push(p.wMu[j], p.wSig[j]);
  const head = op('Add', [op('MatMul', [act, c('w_head', [width, 2], wh)], 'head0'), c('b_head', [2], [p.bMu, p.bSig])], 'head');
  const mu = op('MatMul', [head, c('pick_mu', [2, 1], [1, 0])], 'mu');
  const lsRaw = op('MatMul', [head, c('pick_sigma', [2, 1], [0, 1])], 'log_sigma_raw');
  const ls = op('Clip', [lsRaw, c('ls_min', [], [LOG_SIGMA_MIN]), c('ls_max', [], [LOG_SIGMA_MAX])], 'log_sigma');
  const sigma = op('Mul', [op('Exp', [ls], 'sigma_raw'), c('sigma_scale', [], [p.sigmaScale])], 'rul_log_sigma');
  op('Exp', [mu], 'rul_median_s');
  const zrow = c(
    'quantile_z',
    [1, K],
    RUL_QUANTILE_LEVELS.map((q) => normalQuantile(q)),
  );
  const logq = op('Add', [mu, op('Mul', [sigma, zrow], 'sigma_z')], 'log_quantiles');
  op('Exp', [logq], 'rul_quantiles_s');
  const hiSpan = p.hiLogRulHigh - p.hiLogRulLow;
  const hiLin = op('Div', [op('Sub', [mu, c('hi_low', [], [p.hiLogRulLow])], 'hi_num'), c('hi_span', [], [hiSpan])], 'hi_lin');
  op('Clip', [hiLin, c('zero', [], [0]), c('one', [], [1])], 'health_indicator');

  const model = new ProtoWriter();
  model.int(1, 8); // ir_version 8
  model.string(2, 'fabwatch-train');
  model.string(3, meta.producerVersion);
  model.string(4, 'fabwatch.health');
  model.int(5, meta.modelVersion);
  model.string(6, meta.docString);
  model.message(7, (g) => {
    nodes.forEach((n, i) =>
      g.message(1, (nw) => {
        for (const inp of n.inputs) nw.string(1, inp);
        for (const out of n.outputs) nw.string(2, out);
        nw.string(3, `${n.op.toLowerCase()}_${i}`);
        nw.string(4, n.op);
      }),
    );
    g.string(2, 'fabwatch_rul');
    for (const t of inits) g.message(5, (tw) => writeTensor(tw, t));
    g.message(11, (vi) => writeValueInfo(vi, 'features', ['N', d]));
    g.message(12, (vi) => writeValueInfo(vi, 'rul_median_s', ['N', 1]));
    g.message(12, (vi) => writeValueInfo(vi, 'rul_log_sigma', ['N', 1]));
    g.message(12, (vi) => writeValueInfo(vi, 'rul_quantiles_s', ['N', K]));
    g.message(12, (vi) => writeValueInfo(vi, 'health_indicator', ['N', 1]));
  });
  model.message(8, (o) => {
    o.string(1, '');
    o.int(2, 17);
  });
  for (const [k, v] of Object.entries(meta.metadata)) {
    model.message(14, (e) => {
      e.string(1, k);
      e.string(2, v);
    });
  }
  return model.finish();
}
