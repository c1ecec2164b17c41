import pino from 'pino';

// Structured logs. Anything that could carry a secret (auth headers, request bodies with codes)
// is redacted here as a second line of defence; the first is never logging them.
export function createLogger(level: string, name: string) {
  return pino({
    name,
    level,
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.password', '*.pin', '*.code', '*.secret'],
      censor: '[redacted]',
    },
  });
}

export type Logger = ReturnType<typeof createLogger>;
