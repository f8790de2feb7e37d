import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulatedGateway, wsClient, post, get, bearer, TOKENS, type RunningGateway } from '../helpers/api-fixture.js';

const ROBOTS = ['robot-001', 'robot-002', 'robot-003', 'robot-004'];
const DASHBOARD = 'http://dashboard.example:8080';

describe('REST + WebSocket API of the simulated gateway (in-process, MQTT off)', { timeout: 60_000 }, () => {
  let g: RunningGateway;
  const audit = () => g.lines.filter((l) => l.component === 'audit');

  before(async () => {
    g = await startSimulatedGateway((raw) => (raw.api.corsOrigins = [DASHBOARD]));
    // Wait until every robot has produced telemetry (one 2048-sample window at 1600 Hz ~ 1.3 s).
    // Three 2048-sample windows at 1600 Hz per robot: 3.9 s of simulated time.
    await g.pump(4000);
    for (const r of ROBOTS) assert.ok(g.gw.state.latestTelemetry({ robot: r }).length >= 2, `two telemetry records from ${r} in 4 s of simulated time`);
    g.gw.history!.flush();
  });
  after(() => g?.stop());

  test('GET /health, /api/robots, /api/robots/:id (404 and 400 as JSON)', async () => {
    const health = await get(`${g.base}/health`);
    assert.equal(health.status, 200);
    assert.equal(health.body.gateway_id, 'gw-sim-01');
    assert.equal(health.body.history.available, true);
    const robots = await get(`${g.base}/api/robots`);
    assert.deepEqual(robots.body.robots.map((r: { robot_id: string }) => r.robot_id), ROBOTS);
    assert.ok(robots.body.robots.every((r: { health_score: number | null }) => typeof r.health_score === 'number'), 'robots carry health scores');
    const one = await get(`${g.base}/api/robots/robot-003`);
    assert.equal(one.status, 200);
    assert.equal(one.body.robot_id, 'robot-003');
    assert.ok(one.body.spectrum.amplitudes.length > 0, 'fields the schema does not list are still served');
    const missing = await get(`${g.base}/api/robots/robot-999`);
    assert.equal(missing.status, 404);
    assert.deepEqual(Object.keys(missing.body), ['error']);
    assert.equal(missing.body.error.code, 'ROBOT_NOT_FOUND');
    const badId = await get(`${g.base}/api/robots/bad!id`);
    assert.equal(badId.status, 400);
    assert.equal(badId.body.error.code, 'BAD_REQUEST');
    assert.match(badId.body.error.message, /params\/id must match pattern/);
    const noRoute = await get(`${g.base}/api/nothing`);
    assert.equal(noRoute.status, 404);
    assert.equal(noRoute.body.error.code, 'NOT_FOUND');
  });

  test('GET /api/telemetry/latest is served from the SQLite history: filter, limit, validation', async () => {
    const latest = await get(`${g.base}/api/telemetry/latest?robot=robot-002&limit=2`);
    assert.equal(latest.status, 200);
    assert.equal(latest.body.source, 'history');
    assert.equal(latest.body.count, 2);
    assert.ok(latest.body.records.every((r: { robot_id: string }) => r.robot_id === 'robot-002'));
    assert.ok(Date.parse(latest.body.records[0].ts) > Date.parse(latest.body.records[1].ts), 'newest first');
    assert.ok(latest.body.records[0].spectrum.amplitudes.length > 0, 'full records');
    const all = await get(`${g.base}/api/telemetry/latest`);
    assert.ok(new Set(all.body.records.map((r: { robot_id: string }) => r.robot_id)).size === 4);
    for (const [q, status, code] of [
      ['limit=0', 400, 'BAD_REQUEST'],
      ['limit=abc', 400, 'BAD_REQUEST'],
      ['limit=5000', 400, 'BAD_REQUEST'],
      ['robot=robot-999', 404, 'ROBOT_NOT_FOUND'],
      ['bogus=1', 400, 'BAD_REQUEST'],
    ] as const) {
      const r = await get(`${g.base}/api/telemetry/latest?${q}`);
      assert.equal(r.status, status, q);
      assert.equal(r.body.error.code, code, q);
    }
  });

  test('GET /api/robots/:id/history: fields, range, bucketing, errors', async () => {
    const h = await get(`${g.base}/api/robots/robot-003/history?fields=vibration.rms,health_score`);
    assert.equal(h.status, 200);
    assert.deepEqual(h.body.fields, ['vibration.rms', 'health_score']);
    assert.ok(h.body.points.length >= 2);
    const rec = g.gw.state.latestTelemetry({ robot: 'robot-003', limit: 1 })[0];
    const last = h.body.points.at(-1);
    assert.equal(last.ts, rec.ts, 'the last point is the last record');
    assert.equal(last['vibration.rms'], Number(rec.vibration.rms.toPrecision(6)));
    assert.equal(last.health_score, rec.health_score);
    assert.deepEqual(Object.keys(last).sort(), ['health_score', 'ts', 'vibration.rms']);
    // Every numeric field when none is asked for.
    const allFields = await get(`${g.base}/api/robots/robot-003/history`);
    assert.ok(allFields.body.fields.includes('temperature') && allFields.body.fields.includes('vibration.axes.x.rms'));
    assert.ok(!allFields.body.fields.some((f: string) => f.startsWith('spectrum.amplitudes')));
    // A range that excludes everything, and one bounded by epoch milliseconds.
    const empty = await get(`${g.base}/api/robots/robot-003/history?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z`);
    assert.deepEqual(empty.body.points, []);
    const t1 = Date.parse(rec.ts);
    const upTo = await get(`${g.base}/api/robots/robot-003/history?from=${t1 - 3_600_000}&to=${t1 - 1}&fields=health_score`);
    assert.ok(upTo.body.points.every((p: { ts: string }) => Date.parse(p.ts) < t1));
    assert.equal(upTo.body.points.length, h.body.points.length - 1);
    // More records than max_points: averaged into buckets.
    const b = await get(`${g.base}/api/robots/robot-003/history?fields=vibration.rms&max_points=2`);
    assert.ok(b.body.bucket_ms > 0);
    assert.ok(b.body.points.length >= 1 && b.body.points.length <= 2, `bucketed to ${b.body.points.length} points`);
    for (const [q, status] of [
      ['from=yesterday', 400],
      ['fields=a;drop table', 400],
      ['max_points=1', 400],
      [`from=${t1}&to=${t1 - 1000}`, 400],
    ] as const) {
      const r = await get(`${g.base}/api/robots/robot-003/history?${q}`);
      assert.equal(r.status, status, q);
      assert.equal(r.body.error.code, 'BAD_REQUEST', q);
    }
    const missing = await get(`${g.base}/api/robots/robot-999/history`);
    assert.equal(missing.status, 404);
    // fields= is checked against the fields the history has: a typo is an error, not a column of nulls.
    const typo = await get(`${g.base}/api/robots/robot-003/history?fields=vibration.rms,vibration.rsm`);
    assert.equal(typo.status, 400);
    assert.equal(typo.body.error.code, 'UNKNOWN_FIELD');
    assert.match(typo.body.error.message, /vibration\.rsm/);
    assert.doesNotMatch(typo.body.error.message, /vibration\.rms\b/);
  });

  test('JSON responses are compressed when Accept-Encoding allows (br, else gzip), plain otherwise', async () => {
    const { request } = await import('node:http');
    const { brotliDecompressSync, gunzipSync } = await import('node:zlib');
    const raw = (path: string, enc?: string) =>
      new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
        const req = request(`${g.base}${path}`, { headers: enc ? { 'accept-encoding': enc } : {} }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        });
        req.on('error', reject);
        req.end();
      });
    const path = '/api/robots/robot-003/history?max_points=100';
    const plain = await raw(path);
    assert.equal(plain.headers['content-encoding'], undefined);
    const expected = JSON.parse(plain.body.toString());
    assert.ok(expected.points.length >= 2 && plain.body.length > 1024);
    const br = await raw(path, 'gzip, deflate, br');
    assert.equal(br.headers['content-encoding'], 'br');
    assert.match(String(br.headers.vary), /accept-encoding/i);
    assert.deepEqual(JSON.parse(brotliDecompressSync(br.body).toString()), expected);
    assert.ok(br.body.length < plain.body.length / 2, `br ${br.body.length} B vs ${plain.body.length} B`);
    const gz = await raw('/api/robots', 'gzip');
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(JSON.parse(gunzipSync(gz.body).toString()).robots.length, 4);
    // The page's script keeps its pre-gzipped asset (not compressed twice).
    const app = await raw('/app.js', 'gzip, br');
    assert.equal(app.headers['content-encoding'], 'gzip');
    assert.match(gunzipSync(app.body).toString().slice(0, 2000), /\S/);
    // A compressed request body is not inflated (no zip bomb through the command route).
    const { gzipSync } = await import('node:zlib');
    const zipped = await fetch(`${g.base}/api/robots/robot-001/command`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...bearer(TOKENS.tech) }, body: gzipSync(JSON.stringify({ command: 'start_acquisition' })) });
    assert.equal(zipped.status, 400);
  });

  test('GET /api/cleanroom/status, /api/alerts, /api/commands', async () => {
    const c = await get(`${g.base}/api/cleanroom/status`);
    assert.equal(c.status, 200);
    assert.equal(c.body.site, 'main');
    const a = await get(`${g.base}/api/alerts`);
    assert.ok(Array.isArray(a.body.alerts));
    const cmds = await get(`${g.base}/api/commands`);
    assert.deepEqual(cmds.body.commands.map((c: { name: string }) => c.name).sort(), ['acknowledge_alert', 'acknowledge_gateway_alert', 'reset_rul', 'set_maintenance_mode', 'start_acquisition', 'stop_acquisition']);
  });

  test('POST /api/robots/:id/command: auth matrix, validation, outcomes, audit', async () => {
    const url = `${g.base}/api/robots/robot-001/command`;
    const body = { command: 'set_maintenance_mode', parameters: { enabled: true } };
    const none = await post(url, body);
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'TOKEN_REQUIRED');
    assert.match(none.headers.get('www-authenticate') ?? '', /Bearer/);
    const wrong = await post(url, body, bearer('not-a-token-of-this-gateway'));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'TOKEN_INVALID');
    const basic = await post(url, body, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
    assert.equal(basic.status, 401);
    const viewer = await post(url, body, bearer(TOKENS.viewer));
    assert.equal(viewer.status, 403);
    assert.equal(viewer.body.error.code, 'ROLE_FORBIDDEN');
    assert.match(viewer.body.error.message, /viewer-carol.*technician or admin/);
    assert.equal(g.gw.state.robot('robot-001')!.maintenance, false, 'refused commands do not run');

    const ok = await post(url, { ...body, id: 'cmd-1' }, bearer(TOKENS.tech));
    assert.equal(ok.status, 200);
    assert.equal(ok.body.id, 'cmd-1');
    assert.equal(ok.body.status, 'ok');
    assert.deepEqual(ok.body.result, { maintenance: true });
    assert.equal(g.gw.state.robot('robot-001')!.maintenance, true);
    const again = await post(url, { ...body, id: 'cmd-1' }, bearer(TOKENS.admin));
    assert.equal(again.status, 200);
    assert.equal(again.body.duplicate, true);
    const admin = await post(url, { command: 'set_maintenance_mode', parameters: { enabled: false } }, bearer(TOKENS.admin));
    assert.equal(admin.status, 200);
    assert.ok(admin.body.id, 'an id is generated when the client gives none');
    assert.equal(g.gw.state.robot('robot-001')!.maintenance, false);

    const t = bearer(TOKENS.tech);
    for (const [b, status, code, msg] of [
      [{ parameters: {} }, 400, 'BAD_REQUEST', /must have required property 'command'/],
      [{ command: 'x', extra: 1 }, 400, 'BAD_REQUEST', /must NOT have additional properties/],
      [{ command: 'set_maintenance_mode', parameters: 'on' }, 400, 'BAD_REQUEST', /parameters must be object/],
      [{ command: 'set_maintenance_mode', issued_at: 'yesterday' }, 400, 'BAD_REQUEST', /issued_at must match format/],
      [{ command: 'self_destruct' }, 400, 'UNKNOWN_COMMAND', /unknown command "self_destruct"/],
      [{ command: 'set_maintenance_mode', parameters: { enabled: 'yes' } }, 400, 'BAD_PARAMETERS', /enabled must be boolean/],
      [{ command: 'set_maintenance_mode', parameters: { enabled: true }, issued_at: '2020-01-01T00:00:00Z' }, 400, 'EXPIRED', /expired/],
      [{ command: 'acknowledge_alert', parameters: { alert_id: 'nope' } }, 422, 'ALERT_NOT_FOUND', /no alert "nope"/],
      ['{"command": "start_acquisition"', 400, 'BAD_REQUEST', /JSON/],
    ] as const) {
      const r = await post(url, b, t);
      assert.equal(r.status, status, JSON.stringify(b));
      assert.equal(r.body.error.code, code, JSON.stringify(b));
      assert.match(r.body.error.message, msg);
    }
    const unknownRobot = await post(`${g.base}/api/robots/robot-999/command`, body, t);
    assert.equal(unknownRobot.status, 404);
    assert.equal(unknownRobot.body.error.code, 'UNKNOWN_ROBOT');
    assert.equal(unknownRobot.body.error.details.status, 'rejected');
    const text = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/xml', ...t }, body: '<start/>' });
    assert.equal(text.status, 415);
    assert.equal(((await text.json()) as { error: { code: string } }).error.code, 'UNSUPPORTED_MEDIA_TYPE');

    // Really stops and starts sampling.
    const stop = await post(`${g.base}/api/robots/robot-004/command`, { command: 'stop_acquisition' }, t);
    assert.equal(stop.body.status, 'ok');
    const acquired = g.gw.sensors.get('robot-004')!.stats.samplesAcquired;
    await g.pump(300);
    assert.equal(g.gw.sensors.get('robot-004')!.stats.samplesAcquired, acquired, 'no samples while stopped');
    // The robot state says so, for every client (the page shows "sampling stopped").
    const stoppedState = (await (await fetch(`${g.base}/api/robots/robot-004`)).json()) as { sampling: { running: boolean; since: string | null } };
    assert.equal(stoppedState.sampling.running, false, JSON.stringify(stoppedState.sampling));
    assert.equal(typeof stoppedState.sampling.since, 'string');
    assert.equal((await post(`${g.base}/api/robots/robot-004/command`, { command: 'start_acquisition' }, t)).body.status, 'ok');
    assert.equal(((await (await fetch(`${g.base}/api/robots/robot-004`)).json()) as { sampling: { running: boolean } }).sampling.running, true);

    // The audit log has every login failure, refusal and command with its actor.
    const a = audit();
    assert.ok(a.filter((l) => l.audit === 'login_failure' && l.code === 'TOKEN_REQUIRED' && l.transport === 'rest').length >= 1);
    assert.ok(a.some((l) => l.audit === 'login_failure' && l.code === 'TOKEN_INVALID'));
    assert.ok(a.some((l) => l.audit === 'forbidden' && l.code === 'ROLE_FORBIDDEN' && l.actor === 'viewer-carol'));
    assert.ok(a.some((l) => l.audit === 'command' && l.id === 'cmd-1' && l.actor === 'tech-alice' && l.transport === 'rest'));
    assert.ok(a.some((l) => l.audit === 'outcome' && l.code === 'BAD_REQUEST'), 'schema-rejected commands are audited');
    assert.ok(a.some((l) => l.audit === 'outcome' && l.code === 'UNKNOWN_COMMAND'));
    assert.ok(!JSON.stringify(a).includes(TOKENS.tech), 'tokens never reach the log');
  });

  test('POST /api/alerts/:id/acknowledge (token needed; 404 for an unknown alert)', async () => {
    const alert = g.gw.state.raiseAlert({ source: 'counter:pc-litho-1', code: 'TEST', severity: 'warning', message: 'test alert' });
    const url = `${g.base}/api/alerts/${encodeURIComponent(alert.id)}/acknowledge`;
    assert.equal((await post(url, {})).status, 401);
    assert.equal((await post(url, {}, bearer(TOKENS.viewer))).status, 403);
    const ok = await post(url, {}, bearer(TOKENS.tech));
    assert.equal(ok.status, 200);
    assert.equal(ok.body.acknowledged, true);
    const missing = await post(`${g.base}/api/alerts/nope/acknowledge`, {}, bearer(TOKENS.tech));
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'ALERT_NOT_FOUND');
  });

  test('alarms: the active list (never truncated, state in words), the filtered and paged history, an acknowledgement with who/when/comment', async () => {
    const st = g.gw.state;
    const robotAlarm = st.raiseAlert({ robotId: 'robot-002', source: 'iso20816', condition: 'ISO20816_ZONE', code: 'ISO20816_ZONE_D', severity: 'critical', message: 'robot-002: zone D (api test)' });
    // Cleanroom noise: many raise/clear pairs of one excursion alarm.
    for (let i = 0; i < 60; i++) st.raiseAlert({ source: 'cleanroom:pc-api', condition: 'CLEANROOM_EXCURSION', code: i % 2 ? 'CLEANROOM_EXCURSION_CLEARED' : 'CLEANROOM_EXCURSION_RAISED', severity: i % 2 ? 'info' : 'warning', message: `noise ${i}`, active: i % 2 === 0 });
    const active = await get(`${g.base}/api/alerts/active`);
    assert.equal(active.status, 200);
    const mine = active.body.alarms.find((a: { alarm_id: string }) => a.alarm_id === robotAlarm.alarm_id);
    assert.equal(mine.state, 'UNACK_ACTIVE');
    assert.equal(mine.active, true);
    assert.equal(active.body.count, active.body.alarms.length);
    const noise = active.body.alarms.filter((a: { source: string }) => a.source === 'cleanroom:pc-api');
    assert.equal(noise.length, 1, 'one alarm per identity, however often it was raised');
    assert.equal(noise[0].state, 'UNACK_RTN');
    assert.equal(noise[0].active, false, 'cleared: not active');
    assert.ok(noise[0].cleared_at);

    const hist = await get(`${g.base}/api/alerts?source=cleanroom&limit=25`);
    assert.equal(hist.status, 200);
    assert.equal(hist.body.alerts.length, 25);
    assert.ok(hist.body.alerts.every((a: { source: string }) => a.source.startsWith('cleanroom')));
    assert.equal(hist.body.alerts[0].message, 'noise 59', 'newest first');
    const next = await get(`${g.base}/api/alerts?source=cleanroom&limit=25&before=${hist.body.next_before}`);
    assert.equal(next.body.alerts[0].message, 'noise 34', 'the next page continues where the first ended');
    const robot = await get(`${g.base}/api/alerts?robot=robot-002&severity=critical`);
    assert.ok(robot.body.alerts.some((a: { id: string }) => a.id === robotAlarm.id), 'the robot alert is not pushed out by the noise');
    assert.equal((await get(`${g.base}/api/alerts?limit=500`)).status, 400, 'limit is bounded');
    assert.equal((await get(`${g.base}/api/alerts?severity=loud`)).status, 400);

    const url = `${g.base}/api/alerts/${encodeURIComponent(robotAlarm.alarm_id)}/acknowledge`;
    const ack = await post(url, { comment: 'bearing on order' }, bearer(TOKENS.tech));
    assert.equal(ack.status, 200);
    assert.equal(ack.body.state, 'ACK_ACTIVE');
    assert.equal(ack.body.acked_by, 'tech-alice');
    assert.equal(ack.body.ack_comment, 'bearing on order');
    assert.ok(ack.body.acked_at);
    assert.equal((await post(url, { comment: 'x'.repeat(501) }, bearer(TOKENS.tech))).status, 400, 'comments are bounded');
    const after = (await get(`${g.base}/api/alerts/active`)).body.alarms.find((a: { alarm_id: string }) => a.alarm_id === robotAlarm.alarm_id);
    assert.equal(after.state, 'ACK_ACTIVE');
    // Cleared after the acknowledgement: normal, and out of the active list at once.
    st.raiseAlert({ robotId: 'robot-002', source: 'iso20816', condition: 'ISO20816_ZONE', code: 'ISO20816_ZONE_OK', severity: 'info', message: 'robot-002: zone B', active: false });
    assert.equal((await get(`${g.base}/api/alerts/active`)).body.alarms.some((a: { alarm_id: string }) => a.alarm_id === robotAlarm.alarm_id), false);
  });

  test('GET /openapi.json is OpenAPI 3 generated from the route schemas', async () => {
    const doc = (await get(`${g.base}/openapi.json`)).body;
    assert.match(doc.openapi, /^3\./);
    for (const p of ['/health', '/api/robots', '/api/robots/{id}', '/api/robots/{id}/command', '/api/robots/{id}/history', '/api/telemetry/latest', '/api/cleanroom/status', '/api/alerts', '/api/alerts/active', '/metrics']) assert.ok(doc.paths[p], `documents ${p}`);
    const cmd = doc.paths['/api/robots/{id}/command'].post;
    const schema = cmd.requestBody.content['application/json'].schema;
    assert.deepEqual(schema.required, ['command']);
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(Object.keys(schema.properties).sort(), ['command', 'id', 'issued_at', 'parameters']);
    assert.deepEqual(cmd.security, [{ bearer: [] }]);
    assert.ok(cmd.responses['401'] && cmd.responses['403'] && cmd.responses['429']);
    const hist = doc.paths['/api/robots/{id}/history'].get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort();
    assert.deepEqual(hist, ['path:id', 'query:fields', 'query:from', 'query:max_points', 'query:to']);
    assert.equal(doc.components.securitySchemes.bearer.scheme, 'bearer');
  });

  test('GET /metrics: samples, analysis time, uplink, faults, WS clients, event-loop lag', async () => {
    const c = await wsClient(g.ws);
    await c.next((f) => f.type === 'init');
    const m = await get(`${g.base}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.headers.get('content-type') ?? '', /text\/plain/);
    const value = (re: RegExp) => Number(re.exec(m.text)?.[1]);
    assert.ok(value(/^fabwatch_samples_acquired_total\{sensor="robot-001\/accelerometer"\} (\d+)/m) > 2048);
    assert.match(m.text, /^fabwatch_samples_lost_total\{sensor="robot-004\/accelerometer"\} \d+/m);
    assert.ok(value(/^fabwatch_analysis_seconds_count\{robot="robot-002"\} (\d+)/m) >= 2);
    assert.equal(value(/^fabwatch_uplink_outbox_depth (\d+)/m), 0);
    assert.match(m.text, /^fabwatch_uplink_messages_published_total 0/m);
    assert.match(m.text, /^fabwatch_uplink_messages_dropped_total 0/m);
    assert.match(m.text, /^# TYPE fabwatch_device_faults gauge/m);
    assert.ok(value(/^fabwatch_ws_clients (\d+)/m) >= 1);
    assert.match(m.text, /^nodejs_eventloop_lag_seconds \d/m);
    c.ws.close();
  });

  test('WebSocket on both ports: init, subscribe channels, ping, malformed frames, commands', async () => {
    for (const url of [g.ws, g.wsRest]) {
      const c = await wsClient(url);
      const init = await c.next((f) => f.type === 'init');
      assert.deepEqual(init.payload.robots.map((r: { robot_id: string }) => r.robot_id), ROBOTS);
      assert.ok(init.payload.cleanroom && Array.isArray(init.payload.alerts));
      const tel = c.next((f) => f.type === 'telemetry', 5000);
      await g.pump(1400);
      await tel;

      c.ws.send(JSON.stringify({ type: 'ping', payload: { n: 7 } }));
      assert.deepEqual((await c.next((f) => f.type === 'pong')).payload.echo, { n: 7 });
      for (const [raw, code] of [
        ['{not json', 'BAD_FRAME'],
        ['[1,2]', 'BAD_FRAME'],
        ['{"type": 5}', 'BAD_FRAME'],
        ['{"type":"launch"}', 'UNKNOWN_TYPE'],
        ['{"type":"subscribe"}', 'BAD_FRAME'],
        ['{"type":"subscribe","channel":"robot-999"}', 'BAD_CHANNEL'],
        ['{"type":"command","command":"stop_acquisition"}', 'BAD_FRAME'],
      ] as const) {
        const before = c.frames.filter((f) => f.type === 'error').length;
        c.ws.send(raw);
        await c.next(() => c.frames.filter((f) => f.type === 'error').length > before);
        assert.equal(c.frames.filter((f) => f.type === 'error').at(-1)!.payload.code, code, raw);
      }
      c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      await c.next((f) => f.type === 'error' && /binary/.test(f.payload.message));
      assert.equal(c.ws.readyState, c.ws.OPEN, 'malformed frames do not drop the connection');
      c.ws.close();
    }
  });

  test('WebSocket subscriptions: one robot, one message type, all, unsubscribe', async () => {
    const c = await wsClient(g.ws);
    await c.next((f) => f.type === 'init');
    c.ws.send(JSON.stringify({ type: 'subscribe', channel: 'robot-002' }));
    const sub = await c.next((f) => f.type === 'subscribed');
    assert.deepEqual(sub.payload.channels, [{ kind: 'robot', robotId: 'robot-002' }]);
    const mark = c.frames.length;
    await g.pump(2800);
    await new Promise((r) => setTimeout(r, 200));
    const after = c.frames.slice(mark);
    assert.ok(after.some((f) => f.type === 'telemetry'), 'telemetry of the robot');
    assert.ok(after.every((f) => f.payload?.robot_id === 'robot-002'), `only robot-002: ${[...new Set(after.map((f) => f.payload?.robot_id))]}`);

    c.ws.send(JSON.stringify({ type: 'subscribe', channel: 'all' }));
    await c.next((f) => f.type === 'subscribed' && f.payload.channels[0].kind === 'all');
    c.ws.send(JSON.stringify({ type: 'unsubscribe', channel: 'all' }));
    await c.next((f) => f.type === 'subscribed' && f.payload.channels.length === 0);
    c.ws.send(JSON.stringify({ type: 'subscribe', channel: 'alert' }));
    await c.next((f) => f.type === 'subscribed' && f.payload.channels[0]?.type === 'alert');
    const mark2 = c.frames.length;
    g.gw.state.raiseAlert({ robotId: 'robot-001', source: 'test', code: 'TEST', severity: 'info', message: 'subscription test' });
    await c.next((f) => f.type === 'alert' && f.payload.message === 'subscription test');
    await g.pump(1500);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(c.frames.slice(mark2).every((f) => f.type === 'alert'), 'only alerts after subscribing to the alert type');
    c.ws.close();
  });

  test('WebSocket summary channel: every robot without spectra, full frames only for the robots subscribed by id', async () => {
    const c = await wsClient(g.ws);
    await c.next((f) => f.type === 'init');
    c.ws.send(JSON.stringify({ type: 'subscribe', channel: 'summary' }));
    await c.next((f) => f.type === 'subscribed' && f.payload.channels[0]?.kind === 'summary');
    c.ws.send(JSON.stringify({ type: 'subscribe', channel: 'robot:robot-003' }));
    const sub = await c.next((f) => f.type === 'subscribed' && f.payload.channels.length === 2);
    assert.deepEqual(sub.payload.channels, [{ kind: 'summary' }, { kind: 'robot', robotId: 'robot-003' }]);
    const mark = c.frames.length;
    await g.pump(2800);
    g.gw.state.raiseAlert({ robotId: 'robot-001', source: 'test', code: 'TEST', severity: 'info', message: 'summary test' });
    await c.next((f) => f.type === 'alert' && f.payload.message === 'summary test');
    const after = c.frames.slice(mark);
    const of = (type: string, id: string) => after.filter((f) => f.type === type && f.payload.robot_id === id);
    assert.ok(of('telemetry', 'robot-003').length >= 1, 'telemetry of the subscribed robot');
    assert.deepEqual(after.filter((f) => f.type === 'telemetry' && f.payload.robot_id !== 'robot-003'), [], 'no telemetry of the others');
    for (const u of of('robot_update', 'robot-003')) assert.ok(u.payload.spectrum?.amplitudes?.length && !u.payload.summary, 'the subscribed robot in full');
    for (const id of ['robot-001', 'robot-002', 'robot-004']) {
      const ups = of('robot_update', id);
      assert.ok(ups.length >= 1, `robot_update of ${id}`);
      for (const u of ups) {
        assert.equal(u.payload.spectrum, null);
        assert.equal(u.payload.envelope_spectrum, null);
        assert.equal(u.payload.summary, true);
        assert.equal(typeof u.payload.health_score, 'number');
      }
    }
    assert.ok(of('alert', 'robot-001').length === 1, 'other frame types as with "all"');
    // One frame per event: the subscribed robot does not get a summary as well.
    assert.equal(of('robot_update', 'robot-003').filter((f) => f.payload.summary).length, 0);
    c.ws.close();
  });

  test('WebSocket permessage-deflate: negotiated when offered, frames arrive whole; a compressed frame cannot inflate past 64 KiB', async () => {
    const c = await wsClient(g.ws, { perMessageDeflate: { clientMaxWindowBits: 15 } });
    assert.equal(c.ws.extensions, 'permessage-deflate');
    // The negotiated parameters (ws keeps them on a private field): an 8 KiB window, for memory per client on a Pi.
    assert.equal((c.ws as any)._extensions['permessage-deflate'].params.server_max_window_bits, 13);
    const init = await c.next((f) => f.type === 'init');
    assert.equal(init.payload.robots.length, 4, 'a large frame inflates whole');
    c.ws.send(JSON.stringify({ type: 'ping', payload: 'x' }));
    assert.equal((await c.next((f) => f.type === 'pong')).payload.echo, 'x');
    // 1 MB of one letter deflates to about 1 KB: the server stops inflating at 64 KiB and closes (1009).
    c.ws.send(JSON.stringify({ type: 'ping', payload: 'a'.repeat(1_000_000) }));
    assert.equal((await c.closed).code, 1009);
    const again = await wsClient(g.ws, { perMessageDeflate: true });
    assert.equal((await again.next((f) => f.type === 'init')).type, 'init', 'the gateway keeps serving');
    again.ws.close();
    await again.closed;
    // A bare offer (no client_max_window_bits, as some browsers send it) is accepted too.
    const { request } = await import('node:http');
    const accepted = await new Promise<string | undefined>((resolve, reject) => {
      const req = request(g.ws.replace('ws:', 'http:'), { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-extensions': 'permessage-deflate' } });
      req.on('upgrade', (res, socket) => (socket.destroy(), resolve(res.headers['sec-websocket-extensions'] as string | undefined)));
      req.on('response', (res) => resolve(`HTTP ${res.statusCode}`));
      req.on('error', reject);
      req.end();
    });
    assert.equal(accepted, 'permessage-deflate; server_max_window_bits=13');
    // A client that offers nothing gets plain frames.
    const plain = await wsClient(g.ws, { perMessageDeflate: false });
    assert.equal(plain.ws.extensions, '');
    plain.ws.close();
    // At most api.wsDeflateMaxClients (8) connections deflate at a time (CPU per connection); the 9th gets plain frames.
    await new Promise((r) => setTimeout(r, 100)); // the server sees the closes above
    const eight = await Promise.all(Array.from({ length: 8 }, () => wsClient(g.ws, { perMessageDeflate: true })));
    assert.deepEqual(eight.map((x) => x.ws.extensions), Array(8).fill('permessage-deflate'));
    const ninth = await wsClient(g.ws, { perMessageDeflate: true });
    assert.equal(ninth.ws.extensions, '');
    assert.equal((await ninth.next((f) => f.type === 'init')).payload.robots.length, 4, 'and is served all the same');
    for (const x of [...eight, ninth]) x.ws.close();
    await Promise.all(eight.map((x) => x.closed));
    await new Promise((r) => setTimeout(r, 100));
    const freed = await wsClient(g.ws, { perMessageDeflate: true });
    assert.equal(freed.ws.extensions, 'permessage-deflate', 'a closed connection frees its place');
    freed.ws.close();
  });

  test('WebSocket command frames: token needed, role checked, outcome returned', async () => {
    const c = await wsClient(g.ws);
    await c.next((f) => f.type === 'init');
    const send = (o: object) => c.ws.send(JSON.stringify({ type: 'command', ...o }));
    send({ robot_id: 'robot-002', command: 'set_maintenance_mode', parameters: { enabled: true }, id: 'w1' });
    let e = await c.next((f) => f.type === 'error' && f.payload.id === 'w1');
    assert.equal(e.payload.code, 'TOKEN_REQUIRED');
    assert.equal(e.payload.status, 401);
    send({ robot_id: 'robot-002', command: 'set_maintenance_mode', parameters: { enabled: true }, id: 'w2', token: TOKENS.viewer });
    e = await c.next((f) => f.type === 'error' && f.payload.id === 'w2');
    assert.equal(e.payload.code, 'ROLE_FORBIDDEN');
    send({ robot_id: 'robot-002', command: 'set_maintenance_mode', parameters: { enabled: true }, id: 'w3', token: 'wrong-token-xyz' });
    assert.equal((await c.next((f) => f.type === 'error' && f.payload.id === 'w3')).payload.code, 'TOKEN_INVALID');
    send({ robot_id: 'robot-002', command: 'set_maintenance_mode', parameters: { enabled: true }, id: 'w4', token: TOKENS.tech });
    const r = await c.next((f) => f.type === 'command_result' && f.payload.id === 'w4');
    assert.equal(r.payload.status, 'ok');
    assert.equal(g.gw.state.robot('robot-002')!.maintenance, true);
    // The `{type, payload}` form, and a command rejected by the command service.
    c.ws.send(JSON.stringify({ type: 'command', payload: { robot_id: 'robot-002', command: 'set_maintenance_mode', parameters: { enabled: 'no' }, id: 'w5', token: TOKENS.tech } }));
    const bad = await c.next((f) => f.type === 'command_result' && f.payload.id === 'w5');
    assert.equal(bad.payload.status, 'rejected');
    assert.equal(bad.payload.code, 'BAD_PARAMETERS');
    send({ robot_id: 'robot-002', command: 'set_maintenance_mode', parameters: { enabled: false }, id: 'w6', token: TOKENS.tech });
    await c.next((f) => f.type === 'command_result' && f.payload.id === 'w6');
    assert.equal(g.gw.state.robot('robot-002')!.maintenance, false);
    assert.ok(audit().some((l) => l.audit === 'command' && l.id === 'w4' && l.transport === 'ws' && l.actor === 'tech-alice'));
    assert.ok(audit().some((l) => l.audit === 'login_failure' && l.transport === 'ws' && l.code === 'TOKEN_INVALID'));
    c.ws.close();
  });

  test('WebSocket origin check: foreign origins refused, the page origin and non-browsers allowed', async () => {
    await assert.rejects(wsClient(g.ws, { origin: 'http://evil.example' }), /403/);
    await assert.rejects(wsClient(g.wsRest, { origin: 'http://evil.example' }), /403/);
    const host = new URL(g.base).host;
    for (const [url, origin] of [[g.wsRest, `http://${host}`], [g.ws, `http://${host}`], [g.ws, DASHBOARD], [g.ws, undefined]] as const) {
      const c = await wsClient(url, origin ? { origin } : {});
      await c.next((f) => f.type === 'init');
      c.ws.close();
    }
    assert.ok(audit().some((l) => l.code === 'ORIGIN_FORBIDDEN'));
  });

  test('CORS: the configured origin is allowed, others get no CORS headers', async () => {
    const pre = await fetch(`${g.base}/api/robots/robot-001/command`, { method: 'OPTIONS', headers: { origin: DASHBOARD, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    assert.ok(pre.status === 204 || pre.status === 200);
    assert.equal(pre.headers.get('access-control-allow-origin'), DASHBOARD);
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Authorization/i);
    const got = await fetch(`${g.base}/api/robots`, { headers: { origin: DASHBOARD } });
    assert.equal(got.headers.get('access-control-allow-origin'), DASHBOARD);
    const other = await fetch(`${g.base}/api/robots`, { headers: { origin: 'http://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });
});
