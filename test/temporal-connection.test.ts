import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../lib/config';
import { connectTemporal, temporalConnectionOptions } from '../lib/temporal-connection';

// The Temporal connection settings (TLS, mTLS, API key) become the options every process connects
// with, bad combinations are refused at start-up, and a TLS connection to a server that does not
// speak TLS fails with a message naming the settings instead of hanging.

jest.setTimeout(60_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cardflow-temporal-tls-'));
const file = (name: string, body: string) => {
  const at = path.join(dir, name);
  fs.writeFileSync(at, body);
  return at;
};
const cert = file('client.pem', 'CLIENT CERT');
const key = file('client.key', 'CLIENT KEY');
const ca = file('ca.pem', 'SERVER CA');
const load = (env: Record<string, string>) => loadConfig({ TEMPORAL_ADDRESS: 'temporal.example.com:7233', ...env });
const text = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString() : undefined);

describe('Temporal connection options from the settings', () => {
  it('when nothing secure is set, then it connects in plain gRPC with no key', () => {
    expect(temporalConnectionOptions(load({}))).toEqual({ address: 'temporal.example.com:7233' });
  });

  it('when TEMPORAL_TLS=on alone, then TLS with the system trust store and nothing else', () => {
    expect(temporalConnectionOptions(load({ TEMPORAL_TLS: 'on' }))).toEqual({ address: 'temporal.example.com:7233', tls: {} });
  });

  it('when an API key is set (Temporal Cloud), then TLS comes on by itself and the key is sent', () => {
    const options = temporalConnectionOptions(load({ TEMPORAL_ADDRESS: 'shop.a1b2c.tmprl.cloud:7233', TEMPORAL_API_KEY: 'cloud-key' }));
    expect(options).toEqual({ address: 'shop.a1b2c.tmprl.cloud:7233', tls: {}, apiKey: 'cloud-key' });
  });

  it('when mTLS files, a server CA and a server name are set, then all of them are read into the TLS options', () => {
    const options = temporalConnectionOptions(
      load({ TEMPORAL_TLS_CERT_PATH: cert, TEMPORAL_TLS_KEY_PATH: key, TEMPORAL_TLS_SERVER_CA_PATH: ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }),
    );
    expect(options.apiKey).toBeUndefined();
    expect(options.tls?.serverNameOverride).toBe('temporal.internal');
    expect(text(options.tls?.serverRootCACertificate)).toBe('SERVER CA');
    expect(text(options.tls?.clientCertPair?.crt)).toBe('CLIENT CERT');
    expect(text(options.tls?.clientCertPair?.key)).toBe('CLIENT KEY');
  });

  it('when only a server CA is set (a self-hosted cluster with its own CA), then TLS trusts it and sends no client certificate', () => {
    const options = temporalConnectionOptions(load({ TEMPORAL_TLS_SERVER_CA_PATH: ca }));
    expect(text(options.tls?.serverRootCACertificate)).toBe('SERVER CA');
    expect(options.tls?.clientCertPair).toBeUndefined();
  });

  it.each([
    ['a certificate without its key', { TEMPORAL_TLS_CERT_PATH: cert }, /TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together/],
    ['an API key with TLS off', { TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'off' }, /TEMPORAL_API_KEY is set but TEMPORAL_TLS=off/],
    ['certificates with TLS off', { TEMPORAL_TLS_CERT_PATH: cert, TEMPORAL_TLS_KEY_PATH: key, TEMPORAL_TLS: 'off' }, /a certificate is only used over TLS/],
    ['a file that is not there', { TEMPORAL_TLS_SERVER_CA_PATH: path.join(dir, 'missing.pem') }, /TEMPORAL_TLS_SERVER_CA_PATH: cannot read/],
    ['Temporal Cloud without TLS', { TEMPORAL_ADDRESS: 'shop.a1b2c.tmprl.cloud:7233' }, /Temporal Cloud, which only accepts TLS/],
    ['a TLS switch that is neither on nor off', { TEMPORAL_TLS: 'yes' }, /TEMPORAL_TLS/],
  ])('when %s, then start-up is refused with the setting named', (_what, env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });

  it('when the API key is refused, then the message does not contain it', () => {
    expect(() => load({ TEMPORAL_API_KEY: 'secret-cloud-key-123', TEMPORAL_TLS: 'off' })).not.toThrow(/secret-cloud-key-123/);
  });
});

describe('connecting with TLS to a Temporal that does not speak it', () => {
  const plainAddress = process.env.TEMPORAL_ADDRESS!; // the test run's dev server: plain gRPC only

  it('when the client connects with TLS to the plain dev server, then it fails naming the TLS settings; without TLS it connects', async () => {
    const tls = temporalConnectionOptions({ TEMPORAL_ADDRESS: plainAddress, TEMPORAL_TLS: 'on' });
    const started = Date.now();
    await expect(connectTemporal(tls, (o) => Connection.connect(o))).rejects.toThrow(
      new RegExp(`could not connect to Temporal at ${plainAddress} over TLS: .*TEMPORAL_TLS_SERVER_CA_PATH`),
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    // Positive control: the same server, plain.
    const plain = await connectTemporal(temporalConnectionOptions({ TEMPORAL_ADDRESS: plainAddress }), (o) => Connection.connect(o));
    await expect(plain.workflowService.getSystemInfo({})).resolves.toBeDefined();
    await plain.close();
  });

  it('when the worker connects with TLS to the plain dev server, then it fails naming the TLS settings; without TLS it connects', async () => {
    const tls = temporalConnectionOptions({ TEMPORAL_ADDRESS: plainAddress, TEMPORAL_TLS: 'on' });
    await expect(connectTemporal(tls, (o) => NativeConnection.connect(o))).rejects.toThrow(/could not connect to Temporal at .* over TLS/);
    const plain = await connectTemporal(temporalConnectionOptions({ TEMPORAL_ADDRESS: plainAddress }), (o) => NativeConnection.connect(o));
    await plain.close();
  });

  it('when a port accepts the connection but never answers the TLS handshake, then the worker gives up at the deadline with a clear message', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket.on('error', () => undefined)));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    try {
      const options = temporalConnectionOptions({ TEMPORAL_ADDRESS: address, TEMPORAL_API_KEY: 'k' });
      await expect(connectTemporal(options, (o) => NativeConnection.connect(o), 2_000)).rejects.toThrow(
        `could not connect to Temporal at ${address} over TLS with an API key: no answer within 2 s`,
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
