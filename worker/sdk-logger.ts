import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { RepeatedFailures } from '../lib/repeated-failures';

// The Temporal SDK logs every failed activity attempt at WARN: a webhook receiver or a supplier
// that is down would fill the log with one line per retry per order. Warnings and errors of the
// same kind (message, activity or workflow type, error) are summarised (lib/repeated-failures.ts);
// everything else passes through as it is.
export class SummarisingSdkLogger implements Logger {
  private readonly failures: RepeatedFailures;

  constructor(
    private readonly inner: Logger,
    windowMs?: number,
  ) {
    this.failures = new RepeatedFailures((entry, message) => inner.log(String(entry.level) as LogLevel, message, withoutLevel(entry)), windowMs);
  }

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (level !== 'WARN' && level !== 'ERROR') return this.inner.log(level, message, meta);
    const kind = [level, message, meta?.activityType ?? meta?.workflowType ?? '', errorText(meta?.error)].join('|');
    this.failures.report(kind, { ...meta, level }, message);
  }

  trace = (message: string, meta?: LogMetadata) => this.log('TRACE', message, meta);
  debug = (message: string, meta?: LogMetadata) => this.log('DEBUG', message, meta);
  info = (message: string, meta?: LogMetadata) => this.log('INFO', message, meta);
  warn = (message: string, meta?: LogMetadata) => this.log('WARN', message, meta);
  error = (message: string, meta?: LogMetadata) => this.log('ERROR', message, meta);

  flush(): void {
    this.failures.flush();
  }
}

function withoutLevel(entry: Record<string, unknown>): LogMetadata {
  const { level: _level, ...meta } = entry;
  return meta;
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (error === undefined) return '';
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return 'unprintable error'; // circular: its kind is all a log line needs
  }
}
