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
