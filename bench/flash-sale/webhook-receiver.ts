import http from 'node:http';
import type { AddressInfo } from 'node:net';

// The storefront's webhook endpoint. It counts each webhook-id it is sent (retries reuse the
// id, so a count above one is a repeat the storefront drops) and can go down and come back on
// the same port, for the drill where the receiver is out for minutes.

export class WebhookReceiver {
  /** webhook-id → times received. */
  readonly received = new Map<string, number>();
  private server?: http.Server;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/webhooks/cardflow`;
  }

  async start(): Promise<this> {
    const server = http.createServer((req, res) => {
      const id = String(req.headers['webhook-id'] ?? '');
      req.resume();
      req.on('end', () => {
        if (id) this.received.set(id, (this.received.get(id) ?? 0) + 1);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Down: the port refuses connections until start() again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Orders told they were delivered (ids look like msg_<orderId>_order.delivered). */
  deliveredOrderIds(): Set<string> {
    return new Set([...this.received.keys()].filter((id) => id.endsWith('_order.delivered')).map((id) => id.slice(4, -'_order.delivered'.length)));
  }

  repeats(): number {
    return [...this.received.values()].reduce((sum, n) => sum + n - 1, 0);
  }
}
