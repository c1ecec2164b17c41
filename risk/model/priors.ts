import { generateDataset } from '../eval/generate';
import { fitModel, type AnomalyModel } from './anomaly-model';
import { trainingInputs } from './train';

// The cold-start model: until a merchant has history of its own (MIN_TRAINING_ORDERS delivered
// orders and a first training run), the anomaly model compares an order with the shape of
// ordinary traffic in the synthetic data set (risk/eval/generate.ts), computed from the
// generator deterministically, so every install starts from the same priors. Only features that
// describe buyers are kept (account age, amount against the account's own orders, buyers per
// device and IP, new device or country for an account); the order amount, units and hour of day
// depend on a shop's catalogue and time zone, so they wait for the shop's own history.

/** The generator's seed for the priors: not one the rules or the evaluation are judged on. */
export const PRIORS_SEED = 101;
const SHOP_FEATURES = ['amount', 'units'];

let priors: AnomalyModel | undefined;

export function priorModel(): AnomalyModel {
  if (!priors) {
    const dataset = generateDataset({ seed: PRIORS_SEED, buyers: 1000, historyDays: 28, evaluationDays: 1 });
    const price = new Map(dataset.skus.map((s) => [s.code, s.price]));
    const rows = dataset.orders
      .filter((o) => o.label === 'normal')
      .map((o) => ({
        amount: o.items.reduce((sum, i) => sum + i.quantity * price.get(i.sku)!, 0),
        units: o.items.reduce((sum, i) => sum + i.quantity, 0),
        at: new Date(o.at),
        buyer: o.buyer,
      }));
    const fitted = fitModel(trainingInputs(rows));
    priors = {
      ...fitted,
      numeric: Object.fromEntries(Object.entries(fitted.numeric).filter(([name]) => !SHOP_FEATURES.includes(name))),
      hours: Array(24).fill(0),
      priors: true,
    };
  }
  return priors;
}
