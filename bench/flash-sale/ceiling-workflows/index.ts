import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

// The Temporal ceiling: an order-shaped workflow that does nothing but orchestrate. The same
// number of steps as a stock order (risk, allocate, plan, deliver, settle, webhook), with the
// same split between local activities and activities that Cardflow's workflow uses.

type Noop = { step(name: string): Promise<void> };
const remote = proxyActivities<Noop>({ startToCloseTimeout: '30s' });
const local = proxyLocalActivities<Noop>({ startToCloseTimeout: '30s' });

export async function noopOrder(input: { localSteps: number; remoteSteps: number }): Promise<void> {
  for (let i = 0; i < input.localSteps; i++) await local.step(`local-${i}`);
  for (let i = 0; i < input.remoteSteps; i++) await remote.step(`remote-${i}`);
}
