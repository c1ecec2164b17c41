import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { fieldProblem, type FieldProblem } from './field-codes';

// The one way Cardflow calls an address that a merchant, a supplier or a storefront can set
// (webhook endpoints, supplier APIs). A hostile merchant must not be able to point Cardflow at
// the inside of its own network (SSRF), so every request here:
// - is https only, unless the development setting allows plain http;
// - goes only to public unicast addresses, unless the development setting allows private ones:
//   a literal address is checked before any socket exists, and a host name is checked in the
//   socket's own DNS lookup, so the address checked is the address connected to (no window for
//   DNS rebinding between a check and the connection);
// - follows no redirect (a 3xx is a failure), and has a deadline and a size cap on the answer;
// - fails with a kind and our own words, never with anything the remote end sent.

export interface OutboundPolicy {
  /** Development only (ALLOW_PRIVATE_OUTBOUND): plain http:// targets. */
  allowPlainHttp: boolean;
  /** Development only (ALLOW_PRIVATE_OUTBOUND): loopback, private, link-local and other non-public addresses. */
  allowPrivateAddresses: boolean;
  /** How host names are resolved (default: the system resolver); tests play DNS answers with it. */
  resolve?: (hostname: string) => Promise<{ address: string; family: number }[]>;
}

export type OutboundFailureKind = 'target_not_allowed' | 'unreachable' | 'timeout' | 'redirected' | 'too_large';

export class OutboundFailure extends Error {
  constructor(
    readonly kind: OutboundFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundFailure';
  }
}

export interface OutboundRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** The whole exchange: connecting, sending, and reading the answer to its end. */
  timeoutMs: number;
  /** Answers longer than this are cut off and fail. */
  maxBytes?: number;
}

export interface OutboundAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;

/** Why an address may not be called under this policy, or undefined. IPv4-mapped IPv6 is judged as the IPv4 it maps. */
function addressRefusal(address: string, policy: OutboundPolicy): FieldProblem | undefined {
  if (policy.allowPrivateAddresses) return undefined;
  let ip: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(address);
  if (ip instanceof ipaddr.IPv6 && ip.isIPv4MappedAddress()) ip = ip.toIPv4Address();
  const range = ip.range();
  return range === 'unicast' ? undefined : fieldProblem('private_address', `an address in the ${range} range is not allowed`, { range });
}

/**
 * Why this URL may not be called under this policy, judged without DNS (an admin form's check,
 * and the first check of every request), or undefined. Numeric forms such as 0x7f000001 or
 * 2130706433 are normalised by the URL parser to the address they mean before they are judged.
 */
function urlRefusal(raw: string, policy: OutboundPolicy): FieldProblem | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fieldProblem('not_a_url', 'not a URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowPlainHttp)) {
    return policy.allowPlainHttp ? fieldProblem('http_or_https_only', 'only http and https URLs are allowed') : fieldProblem('https_only', 'only https URLs are allowed');
  }
  if (url.username || url.password) return fieldProblem('credentials_in_url', 'credentials in the URL are not allowed');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) return addressRefusal(host, policy);
  if (!policy.allowPrivateAddresses && (host === 'localhost' || host.endsWith('.localhost') || !host.includes('.'))) {
    return fieldProblem('local_host_name', 'a local host name is not allowed');
  }
  return undefined;
}

export class OutboundHttp {
  private readonly agents: { 'http:': http.Agent; 'https:': https.Agent };

  constructor(readonly policy: OutboundPolicy) {
    const lookup = this.lookup.bind(this) as unknown as net.LookupFunction;
    // The lookup is the agents' own, so every socket they open, including keep-alive ones, was checked.
    this.agents = { 'http:': new http.Agent({ keepAlive: true, lookup }), 'https:': new https.Agent({ keepAlive: true, lookup }) };
  }

  /** URL check, then DNS: what an admin form says before a URL is saved (a field refusal). Unresolvable names pass (DNS may come later). */
  async refusalOf(raw: string): Promise<FieldProblem | undefined> {
    const refused = urlRefusal(raw, this.policy);
    if (refused || this.policy.allowPrivateAddresses) return refused;
    const host = new URL(raw).hostname.replace(/^\[|\]$/g, '');
    if (net.isIP(host)) return undefined;
    const addresses = await this.resolve(host).catch(() => []);
    return addresses.map((a) => addressRefusal(a.address, this.policy)).find(Boolean);
  }

  request(raw: string, req: OutboundRequest): Promise<OutboundAnswer> {
    const refused = urlRefusal(raw, this.policy);
    if (refused) return Promise.reject(new OutboundFailure('target_not_allowed', `the target is not allowed: ${refused.message}`));
    const url = new URL(raw);
    const maxBytes = req.maxBytes ?? DEFAULT_MAX_BYTES;
    const transport = url.protocol === 'https:' ? https : http;

    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (failure: OutboundFailure | undefined, answer?: OutboundAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        if (failure) {
          outgoing.destroy();
          reject(failure);
        } else resolve(answer!);
      };
      const outgoing = transport.request(url, { method: req.method, headers: req.headers, agent: this.agents[url.protocol as 'http:' | 'https:'] }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) return finish(new OutboundFailure('redirected', 'the target answered with a redirect, which is not followed'));
        if (Number(res.headers['content-length']) > maxBytes) return finish(new OutboundFailure('too_large', `the answer is larger than ${maxBytes} bytes`));
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) finish(new OutboundFailure('too_large', `the answer is larger than ${maxBytes} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => finish(undefined, { status, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', () => finish(new OutboundFailure('unreachable', 'the connection broke while reading the answer')));
      });
      const deadline = setTimeout(() => finish(new OutboundFailure('timeout', `no complete answer within ${req.timeoutMs} ms`)), req.timeoutMs);
      outgoing.on('error', (err) =>
        finish(err instanceof OutboundFailure ? err : new OutboundFailure('unreachable', `could not reach the target (${(err as NodeJS.ErrnoException).code ?? err.name})`)),
      );
      outgoing.end(req.body);
    });
  }

  private resolve(hostname: string) {
    return this.policy.resolve ? this.policy.resolve(hostname) : dns.promises.lookup(hostname, { all: true, verbatim: true });
  }

  /** The sockets' DNS lookup: every address the name resolves to must be allowed, or none is used. */
  private lookup(hostname: string, options: dns.LookupOptions, callback: (err: Error | null, address?: string | dns.LookupAddress[], family?: number) => void) {
    this.resolve(hostname).then(
      (found) => {
        const addresses = options.family ? found.filter((a) => a.family === options.family) : found;
        const refused = addresses.map((a) => addressRefusal(a.address, this.policy)).find(Boolean);
        if (refused)
          return callback(new OutboundFailure('target_not_allowed', `the target is not allowed: its name resolves to ${refused.message.replace(/ is not allowed$/, '')}`));
        if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }));
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (err) => callback(err),
    );
  }
}
