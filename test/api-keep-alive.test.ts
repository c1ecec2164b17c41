import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import express from 'express';
import { listenForRequests, stopListening } from '../api/listen';
import { loadConfig } from '../lib/config';

// A load balancer in front of the API (nginx, AWS's ALB: 60 s) keeps idle connections to it and
// reuses them. Node closes idle keep-alive connections after 5 s by default, so the balancer
// would now and then send a buyer's request on a connection the API had just closed, and answer
// 502. The API keeps them HTTP_KEEP_ALIVE_SECONDS (65 by default), longer than the balancer.

jest.setTimeout(30_000);

const IDLE_MS = 8_000; // past Node's 5 s default (Node 20 closes the connection at about 6 s)

/** Two requests on one connection, IDLE_MS apart: what each got, and whether the API closed it in between. */
async function twoRequestsIdleBetween(server: Server): Promise<{ answers: number; keepAlive?: string; closedBetween: boolean }> {
  const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  let received = '';
  let closed = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined); // a write after the API closed: seen as `closedBetween`
  const request = 'GET /ping HTTP/1.1\r\nHost: cardflow.test\r\n\r\n';
  socket.write(request);
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const closedBetween = closed;
  if (!closed) socket.write(request);
  await new Promise((r) => setTimeout(r, 500));
  socket.destroy();
  return { answers: (received.match(/HTTP\/1\.1 200/g) ?? []).length, keepAlive: /Keep-Alive: ([^\r]*)/.exec(received)?.[1], closedBetween };
}

async function apiListening(keepAliveSeconds: number): Promise<Server> {
  const app = express();
  app.get('/ping', (_req, res) => void res.send('pong'));
  return listenForRequests(app, { port: 0, host: '127.0.0.1', keepAliveSeconds });
}

describe("the API's idle connections", () => {
  it('when HTTP_KEEP_ALIVE_SECONDS is not set, then it is 65, longer than the 60 s a load balancer keeps its own', () => {
    expect(loadConfig({}).HTTP_KEEP_ALIVE_SECONDS).toBe(65);
    expect(loadConfig({ HTTP_KEEP_ALIVE_SECONDS: '120' }).HTTP_KEEP_ALIVE_SECONDS).toBe(120);
    expect(() => loadConfig({ HTTP_KEEP_ALIVE_SECONDS: 'forever' })).toThrow(/HTTP_KEEP_ALIVE_SECONDS/);
    expect(() => loadConfig({ HTTP_KEEP_ALIVE_SECONDS: '0' })).toThrow(/HTTP_KEEP_ALIVE_SECONDS/);
  });

  it('when a connection sits idle for eight seconds, then the API still answers on it, and says how long it keeps it', async () => {
    const server = await apiListening(loadConfig({}).HTTP_KEEP_ALIVE_SECONDS);
    try {
      expect(await twoRequestsIdleBetween(server)).toEqual({ answers: 2, keepAlive: 'timeout=65', closedBetween: false });
    } finally {
      server.close();
    }
  });

  it("when the API kept Node's five seconds, then that connection is closed before the second request (positive control)", async () => {
    const server = await apiListening(5);
    try {
      expect(await twoRequestsIdleBetween(server)).toEqual({ answers: 1, keepAlive: 'timeout=5', closedBetween: true });
    } finally {
      server.close();
    }
  });

  it('when the API stops while it is answering, then the answer arrives and the API has stopped soon after, not a keep-alive time later', async () => {
    const app = express();
    app.get('/slow', (_req, res) => void setTimeout(() => res.send('done'), 1_000));
    const server = await listenForRequests(app, { port: 0, host: '127.0.0.1', keepAliveSeconds: loadConfig({}).HTTP_KEEP_ALIVE_SECONDS });
    const answer = fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`).then((res) => res.text());
    await new Promise((r) => setTimeout(r, 200)); // the request is being answered
    let stopped = false;
    const stopping = stopListening(server).then(() => (stopped = true));
    expect(await answer).toBe('done');
    // Held open by the answered connection, the stop would wait the full 65 s; far less is enough here.
    await Promise.race([stopping, new Promise((r) => setTimeout(r, 15_000))]);
    expect(stopped).toBe(true);
  });
});
