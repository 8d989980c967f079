import { type DestinationStream, type Logger, pino, stdSerializers } from 'pino';

export type { Logger } from 'pino';

/** Paths that can hold a secret; pino replaces them wherever they appear in a log object. */
export const redactPaths = [
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'req.headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers["x-api-key"]',
  'headers.authorization',
  'webhook.secret',
  '*.webhook.secret',
  'config.API_KEY',
  'config.WEBHOOK_SECRET',
];

export const createLogger = (
  options: { level: string; pretty?: boolean },
  destination?: DestinationStream,
): Logger => {
  const base = {
    level: options.level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: { err: stdSerializers.err },
  };
  if (destination) return pino(base, destination);
  if (options.pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino(base);
};
