import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, NoopSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { RequestHandler } from 'express';

// OpenTelemetry traces, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: a span per api request,
// the Temporal interceptors (client, workflow, activity) carrying the trace through the
// workflow and its activities, and a span per supplier call (suppliers/metered-adapter.ts).
// Without a provider registered, every span below is the API's no-op: nothing is recorded.

export const tracer = () => trace.getTracer('cardflow');

/** What the worker hands the workflow span exporter sink (worker/create-worker.ts). */
export interface WorkflowSpans {
  spanProcessor: SpanProcessor;
  resource: Resource;
}

export interface Tracing extends WorkflowSpans {
  shutdown(): Promise<void>;
}

/** Nothing exported: the workflow interceptors are bundled always, so their sink must exist. */
export const noWorkflowSpans = (): WorkflowSpans => ({ spanProcessor: new NoopSpanProcessor(), resource: Resource.default() });

/**
 * Registers the process's tracer provider: to an OTLP/HTTP endpoint, or (tests) to the given
 * exporter, sent at once. Returns undefined when neither is given: tracing stays off.
 */
export function startTracing(opts: { serviceName: string; endpoint?: string; exporter?: SpanExporter }): Tracing | undefined {
  if (!opts.endpoint && !opts.exporter) return undefined;
  const resource = Resource.default().merge(new Resource({ 'service.name': opts.serviceName }));
  const spanProcessor = opts.exporter
    ? new SimpleSpanProcessor(opts.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: `${opts.endpoint!.replace(/\/$/, '')}/v1/traces` }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register(); // AsyncLocalStorage context and W3C trace context propagation
  return { spanProcessor, resource, shutdown: () => provider.shutdown() };
}

/** A server span per api request, continuing a caller's `traceparent`; named for the route, never the full URL. */
export function traceRequests(): RequestHandler {
  return (req, res, next) => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer().startSpan(req.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } }, parent);
    res.on('finish', () => {
      // The route's pattern (/v1/orders/:id), known once routed: span names stay few.
      const route = req.route ? `${req.baseUrl}${req.route.path === '/' ? '' : req.route.path}` : undefined;
      span.updateName(route ? `${req.method} ${route}` : req.method);
      if (route) span.setAttribute('http.route', route);
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}

/** Runs `work` in a span of its own (a supplier call), ending it with the outcome. */
export async function inSpan<T>(name: string, attributes: Record<string, string>, work: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      return await work();
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).name });
      throw err;
    } finally {
      span.end();
    }
  });
}
