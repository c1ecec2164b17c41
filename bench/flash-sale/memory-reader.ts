import { parentPort } from 'node:worker_threads';
import { readProcesses } from './memory';

// The thread that reads /proc for MemoryWatch (memory.ts), so the load generator's thread never
// waits for it.

parentPort!.on('message', (m: { id: number; parts: Record<string, number[]>; started: number }) => {
  const reading = readProcesses(Object.values(m.parts).flat());
  parentPort!.postMessage({ id: m.id, parts: m.parts, reading, atMs: Date.now() - m.started });
});
