export default async function globalTeardown() {
  const stops = (globalThis as { __cardflowStops?: (() => Promise<void>)[] }).__cardflowStops ?? [];
  for (const stop of stops.reverse()) await stop();
}
