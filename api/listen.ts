import type { Server } from 'node:http';
import type { Express } from 'express';

/**
 * The API's HTTP listener, with how long it keeps idle keep-alive connections
 * (HTTP_KEEP_ALIVE_SECONDS: longer than a load balancer in front keeps its own).
 */
export async function listenForRequests(app: Express, o: { port: number; host: string; keepAliveSeconds: number }): Promise<Server> {
  const server = app.listen(o.port, o.host);
  server.keepAliveTimeout = o.keepAliveSeconds * 1000;
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return server;
}

/**
 * Stops taking connections; resolves when the last one has closed. A connection still answering
 * closes right after its answer instead of idling out HTTP_KEEP_ALIVE_SECONDS, which would hold
 * a deploy's stop that long.
 */
export async function stopListening(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.keepAliveTimeout = 1; // read as each answer ends: no connection is kept idle from now on
  server.closeIdleConnections();
  await closed;
}
