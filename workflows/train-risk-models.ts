import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

// Started by the risk-model Schedule (risk/schedule.ts): retrain every merchant's anomaly
// model from its recent orders, then forget velocity events older than any window.
const upkeep = proxyActivities<Activities>({
  startToCloseTimeout: '30m',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumAttempts: 5 },
});

export async function trainRiskModels(): Promise<{ merchants: number; trained: number; deleted: number }> {
  const trained = await upkeep.trainRiskModels();
  const pruned = await upkeep.pruneRiskVelocity();
  return { ...trained, ...pruned };
}
