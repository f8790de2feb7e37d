/**
 * Issue #18 item 2: the payload schemas of docs/schemas are the one source. /openapi.json must
 * carry them (as components, by $ref from the routes), and every answer the main routes give must
 * validate against the schema /openapi.json documents for it -- checked with Ajv on the document
 * itself, so the documentation and the check cannot drift apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { startSimulatedGateway, get } from '../helpers/api-fixture.js';
import { repoRoot } from '../helpers/gateway-process.js';
import { withAlwaysPresent } from '../../src/core/validation.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const docSchema = (name: string) => JSON.parse(readFileSync(join(repoRoot, 'docs/schemas', `${name}.json`), 'utf8'));

/** A validator for one route's documented 200 answer, resolved inside the OpenAPI document. */
function answerValidator(openapi: any): (path: string) => ValidateFunction {
  // The gateway's own answers: what it always sends (x-always-present) must be there.
  const ajv = withAlwaysPresent(addFormats(new Ajv({ allErrors: true, strict: false })));
  ajv.addSchema({ ...openapi, $id: 'openapi' });
  const pointer = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');
  return (path) => ajv.getSchema(`openapi#/paths/${pointer(path)}/get/responses/200/content/${pointer('application/json')}/schema`)!;
}

test('REST answers validate against the docs/schemas payload schemas that /openapi.json references', { timeout: 120_000 }, async (t) => {
  const g = await startSimulatedGateway();
  t.after(() => g.stop());
  // Long enough for telemetry, a diagnosis, RUL estimates, cleanroom samples and alerts.
  await g.pump(15_000);

  const openapi = (await get(`${g.base}/openapi.json`)).body;
  const components = openapi.components.schemas;
  // The payload components are the docs/schemas files themselves (their fields, their definitions).
  for (const [component, file] of [['robot-state', 'robot-state'], ['telemetry', 'telemetry'], ['cleanroom-status', 'cleanroom-status'], ['alert', 'alert']]) {
    assert.ok(components[component], `/openapi.json has the component ${component}`);
    assert.deepEqual(Object.keys(components[component].properties), Object.keys(docSchema(file).properties), `${component} is docs/schemas/${file}.json`);
  }
  for (const def of Object.keys(docSchema('telemetry').definitions)) assert.ok(components[`telemetry-${def}`], `telemetry.json's definition ${def} is a component`);
  assert.deepEqual(Object.keys(components['telemetry-record'].properties), Object.keys(docSchema('telemetry').properties).filter((k) => k !== 'seq' && k !== 'replayed'), 'REST telemetry record = the message without seq and replayed');
  const route = (path: string) => JSON.stringify(openapi.paths[path].get.responses['200']);
  assert.match(route('/api/robots/{id}'), /"\$ref":"#\/components\/schemas\/robot-state"/);
  assert.match(route('/api/robots'), /"\$ref":"#\/components\/schemas\/robot-state"/);
  assert.match(route('/api/telemetry/latest'), /"\$ref":"#\/components\/schemas\/telemetry-record"/);
  assert.match(route('/api/cleanroom/status'), /"\$ref":"#\/components\/schemas\/cleanroom-record"/);
  assert.match(route('/api/alerts'), /"\$ref":"#\/components\/schemas\/alert-record"/);

  const validator = answerValidator(openapi);
  const robotIds = (await get(`${g.base}/api/robots`)).body.robots.map((r: { robot_id: string }) => r.robot_id);
  assert.ok(robotIds.length >= 2);
  const answers: Array<[string, string]> = [
    ['/api/robots', '/api/robots'],
    ...robotIds.map((id: string) => ['/api/robots/{id}', `/api/robots/${id}`] as [string, string]),
    ['/api/telemetry/latest', '/api/telemetry/latest?limit=50'],
    ['/api/cleanroom/status', '/api/cleanroom/status'],
    ['/api/alerts', '/api/alerts'],
  ];
  const seen = { rul: 0, diagnosis: 0, records: 0, alerts: 0, locations: 0 };
  for (const [path, url] of answers) {
    const res = await get(`${g.base}${url}`);
    assert.equal(res.status, 200, url);
    const validate = validator(path);
    const body: any = res.body;
    assert.ok(validate(res.body), `${url}: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
    if (path === '/api/robots/{id}') {
      if (body.rul) seen.rul++;
      if (body.diagnosis) seen.diagnosis++;
    }
    if (path === '/api/telemetry/latest') seen.records += body.records.length;
    if (path === '/api/alerts') seen.alerts += body.alerts.length;
    if (path === '/api/cleanroom/status') seen.locations += body.locations.length;
  }
  // The answers were not trivially empty: the schemas were exercised on real content.
  assert.ok(seen.rul > 0 && seen.diagnosis > 0 && seen.records > 0 && seen.alerts > 0 && seen.locations > 0, JSON.stringify(seen));

  // Control: the same validators refuse an answer that breaks the documented schema.
  const robot = (await get(`${g.base}/api/robots/${robotIds[0]}`)).body;
  const validateRobot = validator('/api/robots/{id}');
  assert.equal(validateRobot({ ...robot, status: 'fine' }), false, 'an unknown status is refused');
  assert.equal(validateRobot({ ...robot, sensors: { ...robot.sensors, samples_lost: -1 } }), false, 'a negative count is refused');
  const { iso20816: _dropped, ...withoutZone } = robot;
  assert.equal(validateRobot(withoutZone), false, 'a missing field is refused');
  const latest = (await get(`${g.base}/api/telemetry/latest?limit=1`)).body;
  const { diagnosis: _diagnosis, ...olderRecord } = latest.records[0];
  assert.equal(validator('/api/telemetry/latest')({ ...latest, records: [olderRecord] }), false, 'a field the gateway always sends (x-always-present) is required of its own answers');
});
