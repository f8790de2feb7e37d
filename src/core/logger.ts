import pino, { type Logger } from 'pino';

export interface LogOptions {
  level: string;
  /** 'auto' pretty-prints when stdout is a terminal, JSON otherwise (journald, pipes, CI). */
  pretty: 'auto' | boolean;
}

export function createLogger(opts: LogOptions): Logger {
  const pretty = opts.pretty === 'auto' ? Boolean(process.stdout.isTTY) : opts.pretty;
  if (pretty) {
    return pino({
      level: opts.level,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level: opts.level, base: { service: 'fabwatch' } });
}

export type { Logger };
