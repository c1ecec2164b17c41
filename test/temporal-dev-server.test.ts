import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../lib/free-port';
import { locateTemporalCli, startTemporalDevServer } from '../scripts/temporal-dev-server';

// CI once saw `npm start`'s Temporal dev server panic while it built itself (exit code 2), most
// likely on one of the inner ports the CLI picks at random, taken by another process in between;
// only the end of its stack trace was shown. Here the real CLI sits behind a script that first
// fails the way it did, with a long stack after the panic's message.

jest.setTimeout(120_000);

const STACK = Array.from({ length: 200 }, (_, i) => `go.uber.org/dig.paramList.BuildList(frame ${i})`).join('\n');

describe('a Temporal dev server that fails while it starts', () => {
  const realCli = locateTemporalCli();
  let dir: string;
  let warnings: string[];
  const log = (line: string) => {
    if (line.includes('starting it again')) warnings.push(line);
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cardflow-flaky-temporal-'));
    warnings = [];
  });
  afterEach(() => {
    delete process.env.TEMPORAL_CLI_PATH;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Puts a CLI in front that fails `failures` times with `exitCode` before running the real one; counts its starts. */
  function flakyCli(failures: number, exitCode: number): () => number {
    const count = path.join(dir, 'starts');
    const stack = path.join(dir, 'stack.txt');
    fs.writeFileSync(stack, `${STACK}\n`);
    const script = path.join(dir, 'temporal');
    fs.writeFileSync(
      script,
      [
        '#!/bin/sh',
        `n=$(( $(cat '${count}' 2>/dev/null || echo 0) + 1 )); echo $n > '${count}'`,
        `if [ $n -le ${failures} ]; then`,
        '  echo "panic: listen tcp 127.0.0.1:40123: bind: address already in use" >&2',
        `  cat '${stack}' >&2`,
        `  exit ${exitCode}`,
        'fi',
        `exec '${realCli}' "$@"`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    process.env.TEMPORAL_CLI_PATH = script;
    return () => Number(fs.readFileSync(count, 'utf8'));
  }

  it('when it panics on its first start, then the next start is ready to use', async () => {
    const starts = flakyCli(1, 2);
    const server = await startTemporalDevServer({ port: await freePort(), onLog: log });
    try {
      expect(starts()).toBe(2);
      expect(warnings).toEqual(['Temporal dev server panicked while starting (start 1 of 3); starting it again']);
    } finally {
      await server.stop();
    }
  });

  it("when it panics every time, then the start fails after three tries, and the error shows the panic's message, not only the end of its stack", async () => {
    const starts = flakyCli(99, 2);
    const failed = startTemporalDevServer({ port: await freePort(), onLog: log });
    await expect(failed).rejects.toThrow(/exited \(code 2\) before it was ready:\npanic: listen tcp 127\.0\.0\.1:40123: bind: address already in use\n/);
    await expect(failed).rejects.toThrow(/frame 199\)/);
    expect(starts()).toBe(3);
    expect(warnings).toHaveLength(2);
  });

  it('when it fails with an error of its own (exit code 1), then the start fails at once (positive control: only panics are retried)', async () => {
    const starts = flakyCli(1, 1);
    await expect(startTemporalDevServer({ port: await freePort(), onLog: log })).rejects.toThrow(/exited \(code 1\)/);
    expect(starts()).toBe(1);
    expect(warnings).toEqual([]);
  });
});
