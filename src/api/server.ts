import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import compress from '@fastify/compress';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { AddressInfo } from 'node:net';
import type { Component } from '../core/component.js';
import type { Clock } from '../core/clock.js';
import type { ApiConfig } from '../config/types.js';
import type { GatewayState } from '../state/gateway-state.js';
import type { CommandService } from '../commands/service.js';
import type { CommandOutcome } from '../commands/types.js';
import type { TelemetryHistory } from '../store/history.js';
import type { GatewayMetrics } from '../metrics/metrics.js';
import { VERSION } from '../version.js';
import { WsHub } from './ws-hub.js';
import { errorBody } from './errors.js';
import { Authenticator, type Principal, type AccessDecision } from './auth.js';
import { FixedWindowLimiter, originAllowed, hostAllowed, WsAdmission } from './ws-guard.js';
import { errorSchema, schemas, type Routes } from './schemas.js';
import { componentName, payloadSchemas } from './payload-schemas.js';
import { WebAssets } from './web-assets.js';
import { checkJsonText } from '../core/json-guard.js';
import { errorMessage } from '../core/errors.js';
import { AuditLog } from '../core/audit.js';
import { strictAjv, queryAjv } from '../core/validation.js';

export type { HealthReport } from '../status/health-report.js';
import type { HealthReport } from '../status/health-report.js';

/** Route access: `public` (page, health, OpenAPI), `read` (api.auth.read), `command` (token + role). */
export type Access = 'public' | 'read' | 'command';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** What a route plugin from another module (e.g. /api/ml/*) gets to register its routes. */
export interface RouteContext {
  state: GatewayState;
  log: Logger;
  errorBody: typeof errorBody;
  /** Put `config: { access: 'command' }` on a route to require a technician/admin token (and rate-limit it). */
  commandRouteOptions: { config: { access: Access; rateLimit: { max: number; timeWindow: number } } };
}
export type RoutePlugin = (app: FastifyInstance, ctx: RouteContext) => void | Promise<void>;

export interface ApiDeps {
  state: GatewayState;
  log: Logger;
  /** The audit log (shared with the command service); defaults to one made from `log`. */
  audit?: AuditLog | Logger;
  health: () => HealthReport;
  commands: CommandService;
  clock: Clock;
  history?: TelemetryHistory;
  metrics?: GatewayMetrics;
  web?: WebAssets;
}

/** Largest REST body and WebSocket frame accepted (bytes). */
const BODY_LIMIT_BYTES = 64 * 1024;
const WS_MAX_FRAME_BYTES = 64 * 1024;

/**
 * permessage-deflate (for at most api.wsDeflateMaxClients connections): the page's JSON frames deflate about 10x
 * (bench/page-weight.ts). Bounded for a Pi: an 8 KiB window (serverMaxWindowBits 13) and memLevel 6
 * keep a client's deflate state near 64 KiB instead of 256 KiB; frames under 1 KiB go as they are;
 * at most 4 zlib jobs at once. The client's window is left to the client (demanding one refuses
 * browsers that offer no client_max_window_bits); ws inflates client frames only up to maxPayload
 * (64 KiB), so a compressed frame cannot grow into a memory bomb (close 1009).
 */
export const WS_DEFLATE = {
  serverMaxWindowBits: 13,
  zlibDeflateOptions: { memLevel: 6, level: 6 },
  threshold: 1024,
  concurrencyLimit: 4,
} as const;

/** HTTP status -> stable code for errors raised by fastify or its plugins. */
const STATUS_CODES: Record<number, string> = { 400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 408: 'REQUEST_TIMEOUT', 413: 'PAYLOAD_TOO_LARGE', 414: 'URI_TOO_LONG', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'RATE_LIMITED', 431: 'HEADERS_TOO_LARGE', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

/** Answer on a raw socket (before or outside fastify) with the usual JSON error body, and close. */
function rawReply(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify(errorBody(code, message));
  socket.end(`HTTP/1.1 ${status} ${code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Codes of errors raised by our own hooks and parsers that the reply keeps as they are. */
const PASS_THROUGH_CODES: ReadonlySet<string> = new Set(['INPUT_TOO_DEEP', 'INPUT_TOO_LARGE']);

/** Command outcome -> HTTP status: ok 200, unknown robot 404, rejected 400, failed 422. */
function outcomeStatus(o: CommandOutcome): number {
  if (o.status === 'ok') return 200;
  if (o.code === 'UNKNOWN_ROBOT') return 404;
  return o.status === 'rejected' ? 400 : 422;
}

function parseTime(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  return /^[0-9]+$/.test(raw) ? Number(raw) : Date.parse(raw);
}

/**
 * REST on `port` and the WebSocket protocol on `wsPort` and on the REST port under /ws.
 * Every error is JSON `{error: {code, message}}` with the matching status. Requests are validated
 * with the JSON Schemas of schemas.ts, which also make the OpenAPI document at /openapi.json.
 */
export class ApiServer implements Component {
  readonly name = 'api';
  private app?: FastifyInstance;
  private wsServer?: WebSocketServer;
  private wsHttp?: Server;
  readonly hub: WsHub;
  readonly auth: Authenticator;
  private readonly audit: AuditLog;
  private readonly admission: WsAdmission;
  private readonly readLimiter: FixedWindowLimiter;
  private readonly plugins: RoutePlugin[] = [];
  private readonly web: WebAssets;
  ports = { rest: 0, ws: 0 };
  /** Connections (from their handshake on) that may negotiate permessage-deflate. */
  private deflateClients = 0;

  constructor(private readonly cfg: ApiConfig, private readonly deps: ApiDeps) {
    this.audit = AuditLog.from(deps.audit ?? deps.log);
    this.auth = new Authenticator(cfg.auth, this.audit, deps.clock, { max: cfg.authFailureLimit.max, windowMs: cfg.authFailureLimit.windowS * 1000 });
    this.web = deps.web ?? new WebAssets();
    this.readLimiter = new FixedWindowLimiter(deps.clock, cfg.readRateLimit.max, cfg.readRateLimit.windowS * 1000);
    this.admission = new WsAdmission(cfg.wsMaxClients, cfg.wsMaxClientsPerAddress);
    const limiter = new FixedWindowLimiter(deps.clock, cfg.commandRateLimit.max, cfg.commandRateLimit.windowS * 1000);
    this.hub = new WsHub({ state: deps.state, log: deps.log.child({ sub: 'ws' }), audit: this.audit, maxBufferedBytes: cfg.wsMaxBufferedBytes, maxFrameBytes: WS_MAX_FRAME_BYTES, commands: deps.commands, auth: this.auth, limiter });
  }

  /** Register routes from another module (e.g. the RUL model's /api/ml/*); call before start(). */
  addRoutes(plugin: RoutePlugin): void {
    this.plugins.push(plugin);
  }

  private deny(reply: FastifyReply, d: Exclude<AccessDecision, { ok: true }>): FastifyReply {
    if (d.status === 401) void reply.header('www-authenticate', 'Bearer realm="fabwatch"');
    if (d.status === 429) void reply.header('retry-after', String(this.cfg.authFailureLimit.windowS));
    return reply.code(d.status).send(errorBody(d.code, d.message));
  }

  private async build(): Promise<FastifyInstance> {
    const { state, commands, history } = this.deps;
    const app = Fastify({
      logger: false,
      bodyLimit: BODY_LIMIT_BYTES,
      // Errors raised before routing (bad URL, over-long path parameter) and by Node's HTTP parser
      // (headers too large, unknown method, malformed request): the same JSON shape as every other error.
      frameworkErrors: (err, _req, reply) => {
        const status = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
        void (reply as FastifyReply).code(status).send(errorBody(STATUS_CODES[status], err.message.slice(0, 200)));
      },
      clientErrorHandler: (err: NodeJS.ErrnoException, socket: Duplex) => {
        if (!socket.writable) return socket.destroy();
        const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
        rawReply(socket, status, STATUS_CODES[status], status === 431 ? 'request headers too large' : `malformed HTTP request (${err.code ?? 'parse error'})`);
      },
    });
    // One validation path (src/core/validation.ts): bodies strictly, as WebSocket frames and MQTT
    // commands are (fastify's default coerceTypes 'array' made {"command": ["stop"]} a string);
    // query strings and path parameters are text, so numbers are parsed there and only there.
    const bodyAjv = strictAjv();
    const textAjv = queryAjv();
    app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema));
    // Answers are serialised as they are (JSON.stringify), not through the response schemas: those
    // document the payloads (docs/schemas) and a test checks the answers against them, where a
    // schema-driven serialiser would silently drop or coerce a field the schema does not describe.
    app.setSerializerCompiler(() => (data) => JSON.stringify(data));
    const origins = this.cfg.corsOrigins;
    // strictPreflight off: an OPTIONS without Origin / Access-Control-Request-Method is answered 204 (no CORS headers), not a text 400.
    await app.register(cors, { origin: origins.includes('*') ? true : origins.length ? origins : false, allowedHeaders: ['Content-Type', 'Authorization'], strictPreflight: false });
    // DNS rebinding: a page on evil.example whose name now resolves to this gateway sends Host: evil.example.
    app.addHook('onRequest', async (req, reply) => {
      if (!hostAllowed(req.headers.host, this.cfg.allowedHosts)) {
        this.audit.record({ event: 'forbidden', transport: 'rest', ip: req.ip, what: `${req.method} ${req.url.split('?')[0]} Host: ${String(req.headers.host).slice(0, 100)}`, code: 'HOST_FORBIDDEN' }, 'request for a host name this gateway does not serve (DNS rebinding?)');
        return reply.code(421).send(errorBody('HOST_FORBIDDEN', `this gateway does not serve the host name ${String(req.headers.host).slice(0, 100)} (api.allowedHosts)`));
      }
    });
    await app.register(rateLimit, {
      global: false,
      onExceeded: (req) => this.audit.record({ event: 'rate_limited', transport: 'rest', ip: req.ip, what: `${req.method} ${req.url.split('?')[0]}`, code: 'RATE_LIMITED' }, 'command rate limit exceeded'),
    });
    // Responses of 1 KiB or more are compressed (br, else gzip) when Accept-Encoding allows; the page's
    // assets arrive gzipped already and are left as they are. Request bodies are never inflated
    // (globalDecompression off): no command needs it, and an inflated body could be a zip bomb.
    await app.register(compress, { encodings: ['br', 'gzip'], threshold: 1024, globalDecompression: false });
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: { title: 'fabwatch gateway API', version: VERSION, description: 'Local REST API of a fabwatch gateway. WebSocket protocol: see docs/api.md.' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API token (fabwatch hash-token); needed for commands, and for reads when api.auth.read is "token".' } } },
      },
      // docs/schemas payloads become components named after their file (robot-state, telemetry-rul, ...).
      refResolver: {
        buildLocalReference: (json: { title?: unknown; $id?: unknown }, _base: unknown, _fragment: unknown, i: number) => {
          if (!json.title && json.$id) json.title = json.$id;
          return componentName(json, i);
        },
      },
    });
    app.addSchema(errorSchema);
    for (const s of payloadSchemas) app.addSchema(s);
    // JSON bodies: size and nesting depth are checked before parsing (a deeply nested body would
    // overflow the stack of every recursive step after it), then fastify's own parser
    // (secure-json-parse: __proto__ and constructor.prototype keys are refused).
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (req, body, done) => {
      const bad = checkJsonText(body as string, BODY_LIMIT_BYTES);
      if (bad) return done(Object.assign(new Error(bad.message), { statusCode: bad.code === 'INPUT_TOO_LARGE' ? 413 : 400, code: bad.code }), undefined);
      parseJson(req, body as string, done);
    });

    app.setNotFoundHandler((req, reply) => {
      void reply.code(404).send(errorBody('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));
    });
    app.setErrorHandler((err: { statusCode?: number; code?: string; message: string; validation?: unknown }, req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
      if (status >= 500) this.deps.log.error({ err }, 'API request failed');
      const code = err.code && PASS_THROUGH_CODES.has(err.code) ? err.code : (STATUS_CODES[status] ?? 'INTERNAL');
      if (req.routeOptions.config?.access === 'command' && (status === 400 || status === 413)) {
        this.audit.record({ event: 'outcome', transport: 'rest', ip: req.ip, actor: req.principal?.name, what: `${req.method} ${req.url.split('?')[0]}`, status: 'rejected', code }, err.message);
      }
      void reply.code(status).send(errorBody(code, status >= 500 ? 'internal error (see the gateway log)' : err.message));
    });

    const tokenOf = (req: FastifyRequest) => Authenticator.bearer(req.headers.authorization);
    // Reads: open or token (api.auth.read); command routes are checked after rate limiting.
    app.addHook('onRequest', async (req, reply) => {
      const access = req.routeOptions.config?.access ?? 'read';
      if (access !== 'read' || req.method === 'OPTIONS') return;
      if (!this.readLimiter.take(req.ip)) {
        void reply.header('retry-after', String(this.cfg.readRateLimit.windowS));
        return reply.code(429).send(errorBody('RATE_LIMITED', `more than ${this.cfg.readRateLimit.max} reads in ${this.cfg.readRateLimit.windowS} s from this address (api.readRateLimit); retry later`));
      }
      const d = await this.auth.authorizeRead(tokenOf(req), { ip: req.ip, transport: 'rest', what: `${req.method} ${req.url.split('?')[0]}` });
      if (!d.ok) return this.deny(reply, d);
      req.principal = d.principal;
    });
    const requireCommandToken = async (req: FastifyRequest, reply: FastifyReply) => {
      const body = req.body as { command?: unknown } | undefined;
      const what = `${req.method} ${req.url.split('?')[0]}${typeof body?.command === 'string' ? ` ${body.command}` : ''}`;
      const d = await this.auth.authorizeCommand(tokenOf(req), { ip: req.ip, transport: 'rest', what });
      if (!d.ok) return this.deny(reply, d);
      req.principal = d.principal;
    };
    const commandRouteOptions = {
      config: { access: 'command' as Access, rateLimit: { max: this.cfg.commandRateLimit.max, timeWindow: this.cfg.commandRateLimit.windowS * 1000 } },
      preValidation: requireCommandToken,
    };
    const notFound = (reply: FastifyReply, id: string) => reply.code(404).send(errorBody('ROBOT_NOT_FOUND', `no robot "${id}" on this gateway`));
    const pub = { config: { access: 'public' as Access } };

    // --- The page and the API description.
    for (const [path, name] of [['/', 'index.html'], ['/index.html', 'index.html'], ['/app.js', 'app.js']] as const) {
      app.get(path, { ...pub, schema: { hide: true } }, async (req, reply) => {
        const asset = await this.web.get(name);
        if (!asset) return reply.code(404).send(errorBody('NOT_FOUND', `no asset ${name}`));
        void reply.header('content-type', asset.type).header('etag', asset.etag).header('cache-control', 'no-cache');
        if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
        if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(asset.gzip);
        return reply.send(asset.body);
      });
    }
    app.get('/favicon.ico', { ...pub, schema: { hide: true } }, async (_req, reply) => reply.code(204).send());
    app.get('/openapi.json', { ...pub, schema: { hide: true } }, async () => app.swagger());

    // --- Gateway.
    app.get('/health', { ...pub, schema: schemas.health }, async () => this.deps.health());
    app.get('/metrics', { schema: schemas.metrics }, async (_req, reply) => {
      if (!this.deps.metrics) return reply.code(404).send(errorBody('NOT_FOUND', 'metrics are not enabled'));
      return reply.header('content-type', this.deps.metrics.contentType).send(await this.deps.metrics.render());
    });

    // --- Robots and commands.
    app.get<Routes['robots']>('/api/robots', { schema: schemas.robots }, async () => ({ robots: [...state.robots.values()], gateway_id: state.identity.gatewayId, site: state.identity.site }));
    app.get<Routes['robot']>('/api/robots/:id', { schema: schemas.robot }, async (req, reply) => state.robot(req.params.id) ?? notFound(reply, req.params.id));
    app.get('/api/commands', { schema: schemas.commands }, async () => ({ commands: commands.catalogue() }));
    app.post<Routes['command']>(
      '/api/robots/:id/command',
      { ...commandRouteOptions, schema: schemas.command },
      async (req, reply) => {
        const outcome = await commands.execute({
          robotId: req.params.id,
          command: req.body.command,
          parameters: req.body.parameters,
          id: req.body.id,
          issuedAt: req.body.issued_at,
          source: 'rest',
          actor: req.principal?.name,
        });
        const status = outcomeStatus(outcome);
        if (status === 200) return outcome;
        return reply.code(status).send(errorBody(outcome.code ?? 'REJECTED', outcome.message, outcome));
      },
    );

    // --- Telemetry, history, cleanroom, alerts.
    app.get<Routes['latest']>('/api/telemetry/latest', { schema: schemas.latest }, async (req, reply) => {
      const { robot, limit } = req.query;
      if (robot !== undefined && !state.robots.has(robot)) return notFound(reply, robot);
      history?.flush();
      if (!history?.available) {
        const records = state.latestTelemetry({ robot, limit });
        return { count: records.length, source: 'memory', records };
      }
      // The stored JSON goes out as it is (no parse and re-serialise), read in pages that yield.
      const records = await history.latestJson(robot, limit);
      return reply.type('application/json; charset=utf-8').send(`{"count":${records.length},"source":"history","records":[${records.join(',')}]}`);
    });
    app.get<Routes['history']>('/api/robots/:id/history', { schema: schemas.history }, async (req, reply) => {
      const { id } = req.params;
      if (!state.robots.has(id)) return notFound(reply, id);
      if (!history?.available) return reply.code(503).send(errorBody('HISTORY_UNAVAILABLE', 'the history store is not running on this gateway (history.enabled, or see /health)'));
      const toMs = parseTime(req.query.to, this.deps.clock.now());
      const fromMs = parseTime(req.query.from, toMs - 3_600_000);
      if (!(fromMs <= toMs)) return reply.code(400).send(errorBody('BAD_REQUEST', `from (${req.query.from}) is after to (${req.query.to ?? 'now'})`));
      history.flush();
      const fields = req.query.fields?.split(',');
      const unknown = fields ? history.unknownFields(fields) : [];
      if (unknown.length) return reply.code(400).send(errorBody('UNKNOWN_FIELD', `no such history field: ${unknown.slice(0, 5).join(', ')} (the fields of GET /api/robots/:id/history without fields=)`));
      const answer = await history.queryAsync({ robotId: id, fromMs, toMs, fields, maxPoints: req.query.max_points });
      // points first, as the answer has always been ordered.
      return Object.assign({ points: answer.points }, answer);
    });
    app.get<Routes['cleanroom']>('/api/cleanroom/status', { schema: schemas.cleanroom }, async () => state.cleanroomStatus());
    app.get<Routes['alerts']>('/api/alerts', { schema: schemas.alerts }, async (req) => state.alarms.history(req.query));
    app.get<Routes['activeAlerts']>('/api/alerts/active', { schema: schemas.activeAlerts }, async () => {
      const alarms = state.alarms.active();
      return { count: alarms.length, unacknowledged: alarms.filter((a) => !a.acknowledged).length, alarms };
    });
    // The one command path: dedupe by id, TTL and audit as for every other command.
    app.post<Routes['ackAlert']>('/api/alerts/:alertId/acknowledge', { ...commandRouteOptions, schema: schemas.ackAlert }, async (req, reply) => {
      const outcome = await commands.execute({
        robotId: null,
        command: 'acknowledge_gateway_alert',
        parameters: { alert_id: req.params.alertId, ...(req.body?.comment !== undefined ? { comment: req.body.comment } : {}) },
        id: req.body?.id,
        issuedAt: req.body?.issued_at,
        source: 'rest',
        actor: req.principal?.name,
      });
      if (outcome.status === 'ok') return outcome.result;
      const status = outcome.code === 'ALERT_NOT_FOUND' ? 404 : outcomeStatus(outcome);
      return reply.code(status).send(errorBody(outcome.code ?? 'REJECTED', outcome.message, outcome));
    });

    const ctx: RouteContext = { state, log: this.deps.log, errorBody, commandRouteOptions };
    for (const plugin of this.plugins) await plugin(app, ctx);
    return app;
  }

  /** Origin, connection limit and read access of a WebSocket handshake, on either port. */
  private upgrade(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, code: string, message: string) => rawReply(socket, status, code, message);
    const ip = req.socket.remoteAddress ?? 'unknown';
    if (!hostAllowed(req.headers.host, this.cfg.allowedHosts)) {
      this.audit.record({ event: 'forbidden', transport: 'ws', ip, what: `connect Host: ${String(req.headers.host).slice(0, 100)}`, code: 'HOST_FORBIDDEN' }, 'WebSocket for a host name this gateway does not serve (DNS rebinding?)');
      return refuse(421, 'HOST_FORBIDDEN', `this gateway does not serve the host name ${String(req.headers.host).slice(0, 100)} (api.allowedHosts)`);
    }
    if (!originAllowed(req.headers.origin, req.headers.host, this.cfg.corsOrigins, this.ports.rest)) {
      this.audit.record({ event: 'forbidden', transport: 'ws', ip, what: `connect from origin ${String(req.headers.origin).slice(0, 200)}`, code: 'ORIGIN_FORBIDDEN' }, 'WebSocket from a foreign origin refused');
      return refuse(403, 'ORIGIN_FORBIDDEN', `origin ${req.headers.origin} is not allowed (api.corsOrigins)`);
    }
    // Admission is counted here, synchronously, from the handshake until the socket closes: the
    // token check below is asynchronous, so counting accepted clients let 260 concurrent handshakes in.
    const admit = this.admission.admit(ip);
    if (!admit.ok) return refuse(503, 'TOO_MANY_CLIENTS', admit.message);
    socket.once('close', admit.release);
    // Deflate costs CPU per connection: only the first api.wsDeflateMaxClients get it, the others plain frames.
    if (req.headers['sec-websocket-extensions'] !== undefined) {
      if (this.deflateClients < this.cfg.wsDeflateMaxClients) {
        this.deflateClients++;
        socket.once('close', () => this.deflateClients--);
      } else delete req.headers['sec-websocket-extensions'];
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const token = url.searchParams.get('token') ?? Authenticator.bearer(req.headers.authorization) ?? undefined;
    this.auth.authorizeRead(token, { ip, transport: 'ws', what: 'connect' }).then((d) => {
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        if (!d.ok) {
          // Complete the handshake so a browser can see why (it cannot read a refused upgrade).
          ws.send(JSON.stringify({ type: 'error', payload: { code: d.code, message: d.message, status: d.status } }));
          ws.close(4000 + d.status, d.code);
          return;
        }
        this.hub.accept(ws, { ip, principal: d.principal, token: token ?? undefined });
      });
    }).catch((err: unknown) => {
      this.deps.log.error({ code: 'INTERNAL', err: errorMessage(err), ip }, 'WebSocket handshake failed');
      refuse(500, 'INTERNAL', 'internal error during the WebSocket handshake');
    });
  }

  async start(): Promise<void> {
    if (this.app) return;
    const app = await this.build();
    this.app = app;
    await app.listen({ port: this.cfg.port, host: this.cfg.host });
    this.ports.rest = (app.server.address() as AddressInfo).port;
    this.wsServer = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_FRAME_BYTES, perMessageDeflate: this.cfg.wsDeflateMaxClients > 0 ? WS_DEFLATE : false });
    const wss = this.wsServer;
    app.server.on('upgrade', (req, socket, head) => {
      if ((req.url ?? '').split('?')[0] !== '/ws') return rawReply(socket, 404, 'NOT_FOUND', 'WebSocket is served on /ws (and on the WebSocket port)');
      this.upgrade(wss, req, socket, head);
    });
    this.wsHttp = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'application/json' }).end(JSON.stringify(errorBody('UPGRADE_REQUIRED', 'this port speaks WebSocket only; REST is on the API port')));
    });
    this.wsHttp.on('upgrade', (req, socket, head) => this.upgrade(wss, req, socket, head));
    await new Promise<void>((resolve, reject) => {
      this.wsHttp!.once('error', reject);
      this.wsHttp!.listen(this.cfg.wsPort, this.cfg.host, () => resolve());
    });
    this.ports.ws = (this.wsHttp.address() as AddressInfo).port;
    this.hub.start();
    this.deps.log.info({ rest: this.ports.rest, ws: this.ports.ws, readAuth: this.cfg.auth.read, commandTokens: this.auth.commandsEnabled }, 'API listening');
    if (!this.auth.commandsEnabled) this.deps.log.warn('no API token with role technician or admin is configured: commands are refused (fabwatch hash-token)');
  }

  async stop(): Promise<void> {
    this.hub.stop();
    const wss = this.wsServer;
    const http = this.wsHttp;
    this.wsServer = undefined;
    this.wsHttp = undefined;
    if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()));
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    const app = this.app;
    this.app = undefined;
    if (app) await app.close();
  }
}
