import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RouteContext, RoutePlugin } from './server.js';
import type { RulModel, RulPrediction } from '../prognosis/rul-model.js';
import type { RulFeed } from '../monitor/rul-feed.js';
import { FIVE_FEATURE_FORM } from '../prognosis/five-features.js';
import { assessRobot } from '../monitor/status-model.js';
import { capRulFigures } from '../prognosis/rul-cap.js';
import { FabwatchError, errorCode, errorMessage } from '../core/errors.js';

/** An error from predicting -> HTTP status: unknown robot 404, bad input 400, anything without a stable code 500. */
function predictError(err: unknown): number {
  const code = errorCode(err);
  if (code === 'ROBOT_NOT_FOUND') return 404;
  return code === 'INTERNAL' ? 500 : 400;
}

const predictBody = {
  $id: 'MlPredictRequest',
  type: 'object',
  additionalProperties: false,
  required: ['features'],
  properties: {
    robot_id: { type: 'string', minLength: 1, maxLength: 64, description: "Robot whose learnt baseline to use (the card's reference baseline otherwise)." },
    features: {
      type: 'array',
      minItems: FIVE_FEATURE_FORM.length,
      maxItems: FIVE_FEATURE_FORM.length,
      items: { type: 'number' },
      description: `Exactly ${FIVE_FEATURE_FORM.length} numbers: ${FIVE_FEATURE_FORM.map((f) => `${f.position} ${f.name} (${f.unit})`).join(', ')}. Temperature is validated but not used by the model (no temperature in its training data).`,
    },
    confidence_level: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.95, description: 'Confidence level of the RUL interval, strictly between 0 and 1.' },
  },
} as const;

export interface MlRoutesDeps {
  model: () => RulModel | undefined;
  trackers: Map<string, RulFeed>;
}

/**
 * POST /api/ml/predict, POST /api/ml/batch_predict, GET /api/ml/model_info: the prototype's RUL
 * service, now answered by the gateway's own ONNX model (docs/rul.md). Bodies are validated by
 * their schemas (a wrong length, a non-number or a confidence level outside (0, 1) is a 400 that
 * says so); without a loaded model the answer is 503 RUL_MODEL_NOT_LOADED.
 */
export function mlRoutes(deps: MlRoutesDeps): RoutePlugin {
  return (app: FastifyInstance, ctx: RouteContext) => {
    const read = { config: { access: 'read' as const } };
    const loaded = (): RulModel | undefined => {
      const m = deps.model();
      return m?.loaded ? m : undefined;
    };
    const fail = (reply: FastifyReply, err: unknown) => {
      const status = predictError(err);
      if (status === 500) ctx.log.error({ code: 'INTERNAL', err: errorMessage(err) }, 'RUL prediction failed');
      return reply.code(status).send(ctx.errorBody(errorCode(err), status === 500 ? 'internal error (see the gateway log)' : errorMessage(err)));
    };
    const notLoaded = () => ctx.errorBody('RUL_MODEL_NOT_LOADED', 'the RUL model is not loaded on this gateway (see /health for why)');

    /** A prediction, or a FabwatchError with a stable code (unknown robot, bad features or confidence). */
    const predictOne = async (model: RulModel, body: { robot_id?: string; features: number[]; confidence_level?: number }) => {
      if (body.robot_id !== undefined && !ctx.state.robots.has(body.robot_id)) throw new FabwatchError('ROBOT_NOT_FOUND', `no robot "${body.robot_id}" on this gateway`);
      const tracker = body.robot_id ? deps.trackers.get(body.robot_id)?.tracker : undefined;
      const baseline = tracker?.baselineReady ? tracker.baseline : null;
      const raw: RulPrediction & { baseline_source: string } = await model.predictFiveFeatures(body.features, body.confidence_level ?? 0.95, baseline);
      // Far outside the training range (or negative): clamped and flagged (src/prognosis/rul-cap.ts).
      const { figures, capped } = capRulFigures(raw, model.rulCapS);
      const p = { ...raw, rul_s: figures.rul_s!, rul_low_s: figures.rul_low_s, rul_high_s: figures.rul_high_s! };
      // A stateless estimate from the five features: the status model reads it as a degrading RUL.
      const priority = assessRobot({ robot_id: body.robot_id ?? 'request', rul: { state: 'degrading', rul_s: p.rul_s, rul_low_s: p.rul_low_s, rul_high_s: p.rul_high_s, capped } });
      return {
        robot_id: body.robot_id ?? null,
        rul_s: Math.round(p.rul_s),
        rul_low_s: Math.round(p.rul_low_s),
        rul_high_s: Math.round(p.rul_high_s),
        unit: 's',
        confidence_level: p.confidence_level,
        confidence_interval: [Math.round(p.rul_low_s), Math.round(p.rul_high_s)],
        ...(capped ? { capped } : {}),
        health_score: p.health_score,
        health_indicator: Math.round(p.health_indicator * 1000) / 1000,
        maintenance_priority: { level: priority.level, urgency: Math.round(priority.urgency * 1000) / 1000, reasons: priority.reasons },
        model_version: p.model_version,
        baseline_source: p.baseline_source,
      };
    };

    app.post<{ Body: { robot_id?: string; features: number[]; confidence_level?: number } }>('/api/ml/predict', { ...read, schema: { body: predictBody, tags: ['ml'], summary: 'RUL prediction from the 5-feature form' } }, async (req, reply) => {
      const model = loaded();
      if (!model) return reply.code(503).send(notLoaded());
      try {
        return await predictOne(model, req.body);
      } catch (err) {
        return fail(reply, err);
      }
    });

    app.post<{ Body: { requests: Array<{ robot_id?: string; features: number[]; confidence_level?: number }> } }>(
      '/api/ml/batch_predict',
      {
        ...read,
        schema: {
          tags: ['ml'],
          summary: 'Several RUL predictions in one call',
          body: { type: 'object', additionalProperties: false, required: ['requests'], properties: { requests: { type: 'array', minItems: 1, maxItems: 256, items: predictBody } } },
        },
      },
      async (req, reply) => {
        const model = loaded();
        if (!model) return reply.code(503).send(notLoaded());
        try {
          const predictions = [];
          for (const r of req.body.requests) predictions.push(await predictOne(model, r));
          return { count: predictions.length, predictions };
        } catch (err) {
          return fail(reply, err);
        }
      },
    );

    app.get('/api/ml/model_info', { ...read, schema: { tags: ['ml'], summary: 'Model name, version, hash, inputs, outputs, training data, metrics' } }, async (_req, reply) => {
      const model = loaded();
      if (!model) return reply.code(503).send(notLoaded());
      const card = model.card;
      return {
        name: card.name,
        version: card.version,
        sha256: card.onnx.sha256,
        onnx: card.onnx,
        inputs: card.inputs,
        outputs: card.outputs,
        five_feature_form: FIVE_FEATURE_FORM,
        training_data: card.training_data ?? null,
        validation: card.validation ?? null,
        card,
      };
    });
  };
}
