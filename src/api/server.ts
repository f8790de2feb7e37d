import Fastify, { type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import { WebSocketServer } from 'ws';
import type { Logger } from 'pino';
import type { AddressInfo } from 'node:net';
import type { Component } from '../core/component.js';
import type { ApiConfig } from '../config/types.js';
import type { GatewayState } from '../state/gateway-state.js';
import { WsHub } from './ws-hub.js';
import { errorBody } from './errors.js';

export interface HealthReport {
  status: 'ok' | 'degraded';
  [key: string]: unknown;
}

export interface ApiDeps {
  state: GatewayState;
  log: Logger;
  health: () => HealthReport;
}

/**
 * REST on `port` and the WebSocket protocol on `wsPort` and on the REST port under /ws.
 * Every error is JSON `{error: {code, message}}` with the matching status.
 */
export class ApiServer implements Component {
  readonly name = 'api';
  private app?: FastifyInstance;
  private wsStandalone?: WebSocketServer;
  private wsOnRest?: WebSocketServer;
  readonly hub: WsHub;
  ports = { rest: 0, ws: 0 };

  constructor(private readonly cfg: ApiConfig, private readonly deps: ApiDeps) {
    this.hub = new WsHub(deps.state, deps.log.child({ component: 'ws' }), cfg.wsMaxBufferedBytes);
  }

  private build(): FastifyInstance {
    const { state } = this.deps;
    const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
    const origins = this.cfg.corsOrigins;
    void app.register(cors, { origin: origins.includes('*') ? true : origins.length ? origins : false });

    app.setNotFoundHandler((req, reply) => {
      void reply.code(404).send(errorBody('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));
    });
    app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, _req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
      if (status >= 500) this.deps.log.error({ err }, 'API request failed');
      void reply.code(status).send(errorBody(status === 400 ? 'BAD_REQUEST' : err.code ?? 'INTERNAL', err.message));
    });

    app.get('/health', async () => this.deps.health());
    app.get('/api/robots', async () => ({ gateway_id: state.identity.gatewayId, site: state.identity.site, robots: [...state.robots.values()] }));
    app.get<{ Params: { id: string } }>('/api/robots/:id', async (req, reply) => {
      const robot = state.robot(req.params.id);
      if (!robot) return reply.code(404).send(errorBody('ROBOT_NOT_FOUND', `no robot "${req.params.id}" on this gateway`));
      return robot;
    });
    app.get<{ Querystring: { robot?: string; limit?: string } }>('/api/telemetry/latest', async (req, reply) => {
      const { robot } = req.query;
      if (robot !== undefined && !state.robots.has(robot)) return reply.code(404).send(errorBody('ROBOT_NOT_FOUND', `no robot "${robot}" on this gateway`));
      let limit: number | undefined;
      if (req.query.limit !== undefined) {
        limit = Number(req.query.limit);
        if (!Number.isInteger(limit) || limit < 1) return reply.code(400).send(errorBody('BAD_REQUEST', 'limit must be a positive integer'));
      }
      const records = state.latestTelemetry({ robot, limit });
      return { count: records.length, records };
    });
    app.get('/api/cleanroom/status', async () => state.cleanroomStatus());
    return app;
  }

  async start(): Promise<void> {
    if (this.app) return;
    const app = this.build();
    this.app = app;
    await app.listen({ port: this.cfg.port, host: this.cfg.host });
    this.ports.rest = (app.server.address() as AddressInfo).port;

    this.wsOnRest = new WebSocketServer({ noServer: true });
    app.server.on('upgrade', (req, socket, head) => {
      if ((req.url ?? '').split('?')[0] !== '/ws') return socket.destroy();
      this.wsOnRest!.handleUpgrade(req, socket, head, (ws) => this.wsOnRest!.emit('connection', ws, req));
    });
    this.hub.attach(this.wsOnRest);

    this.wsStandalone = await new Promise<WebSocketServer>((resolve, reject) => {
      const wss = new WebSocketServer({ port: this.cfg.wsPort, host: this.cfg.host });
      wss.once('listening', () => resolve(wss));
      wss.once('error', reject);
    });
    this.ports.ws = (this.wsStandalone.address() as AddressInfo).port;
    this.hub.attach(this.wsStandalone);
    this.hub.start();
    this.deps.log.info({ rest: this.ports.rest, ws: this.ports.ws }, 'API listening');
  }

  async stop(): Promise<void> {
    this.hub.stop();
    const closeWss = (w?: WebSocketServer) => (w ? new Promise<void>((resolve) => w.close(() => resolve())) : Promise.resolve());
    await closeWss(this.wsStandalone);
    await closeWss(this.wsOnRest);
    this.wsStandalone = this.wsOnRest = undefined;
    const app = this.app;
    this.app = undefined;
    if (app) await app.close();
  }
}
