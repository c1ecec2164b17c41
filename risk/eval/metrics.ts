import type { Label } from './generate';
import type { Judged } from './replay';

// Precision and recall of "held or rejected" as the prediction of "fraud".

export const ATTACKS: Label[] = ['card_testing', 'account_farm', 'reseller_bot', 'account_takeover'];

export interface Metrics {
  precision: number;
  recall: number;
  perAttack: Record<string, { orders: number; flagged: number; recall: number }>;
  normal: { orders: number; held: number; rejected: number; flaggedRate: number };
  truePositives: number;
  falsePositives: number;
}

export function measure(judged: Judged[]): Metrics {
  const flagged = (j: Judged) => j.decision !== 'allow';
  const fraud = judged.filter((j) => j.label !== 'normal');
  const normal = judged.filter((j) => j.label === 'normal');
  const tp = fraud.filter(flagged).length;
  const fp = normal.filter(flagged).length;
  const perAttack: Metrics['perAttack'] = {};
  for (const attack of ATTACKS) {
    const of = fraud.filter((j) => j.label === attack);
    perAttack[attack] = { orders: of.length, flagged: of.filter(flagged).length, recall: of.length ? of.filter(flagged).length / of.length : 0 };
  }
  return {
    precision: tp + fp ? tp / (tp + fp) : 0,
    recall: fraud.length ? tp / fraud.length : 0,
    perAttack,
    normal: {
      orders: normal.length,
      held: normal.filter((j) => j.decision === 'review').length,
      rejected: normal.filter((j) => j.decision === 'reject').length,
      flaggedRate: normal.length ? fp / normal.length : 0,
    },
    truePositives: tp,
    falsePositives: fp,
  };
}
