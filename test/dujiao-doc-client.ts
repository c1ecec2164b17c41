import crypto from 'node:crypto';

// A dujiao-next client written only from the public document's signing pseudocode
// (docs/en/api/integration-open-api.md §2.3 and §9, Python and Go examples), on purpose NOT
// using interop/dujiao-next/signing.ts: if Cardflow's signing module and the document part
// ways, these tests fail instead of both sides agreeing on a mistake.

export function docSign(secret: string, method: string, path: string, timestamp: number | string, body: Buffer): string {
  const bodyMd5 = crypto.createHash('md5').update(body).digest('hex');
  const signString = `${method}\n${path}\n${timestamp}\n${bodyMd5}`;
  return crypto.createHmac('sha256', Buffer.from(secret)).update(Buffer.from(signString)).digest('hex');
}

export function docClient(baseUrl: string, apiKey: string, apiSecret: string) {
  return async (method: 'GET' | 'POST', path: string, body?: unknown, opts: { timestamp?: number; signature?: string; omit?: string } = {}) => {
    const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const bodyBytes = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
    const signPath = path.split('?')[0];
    const headers: Record<string, string> = {
      'Dujiao-Next-Api-Key': apiKey,
      'Dujiao-Next-Timestamp': String(ts),
      'Dujiao-Next-Signature': opts.signature ?? docSign(apiSecret, method, signPath, ts, bodyBytes),
      'Content-Type': 'application/json',
    };
    if (opts.omit) delete headers[opts.omit];
    const res = await fetch(baseUrl + path, { method, headers, body: bodyBytes.length ? bodyBytes : undefined });
    return { status: res.status, body: (await res.json()) as any };
  };
}
