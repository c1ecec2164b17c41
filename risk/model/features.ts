// What the anomaly model looks at. Each feature is a number (or a yes/no) computed the same
// way when training on a merchant's history and when scoring a new order, and each knows how
// to say in words why a value is unusual: in English, and as the values the console's words
// need (cf.risk.model_features.<feature name>), so a Chinese reader gets the reason in Chinese.

/** Why a value is unusual: the English sentence, and its values for the console's words. */
export interface FeatureWords {
  text: string;
  params: Record<string, string | number>;
}

export interface FeatureInput {
  amount: number;
  units: number;
  at: Date;
  /** Hours between the account's creation and this order, when the storefront sent it. */
  accountAgeHours?: number;
  /** The buyer's earlier delivered orders, most recent first (at most PRIOR_ORDERS). */
  prior: { amount: number; device?: string; ipCountry?: string }[];
  device?: string;
  ipCountry?: string;
  /** Distinct buyers (this one included) on this device / IP over the last 24 h. */
  buyersOnDevice?: number;
  buyersOnIp?: number;
}

export const PRIOR_ORDERS = 20;
/** Account-relative features need a little history to mean anything. */
export const MIN_PRIOR_ORDERS = 3;

/** A continuous feature: unusual when far above (upper) or below (lower) what the merchant sees. */
export interface NumericFeature {
  name: string;
  type: 'numeric';
  tail: 'upper' | 'lower';
  value(input: FeatureInput): number | undefined;
  explain(input: FeatureInput, median: number): FeatureWords;
}

/** A yes/no feature: unusual when yes and yes is rare. */
export interface FlagFeature {
  name: string;
  type: 'flag';
  value(input: FeatureInput): boolean | undefined;
  explain(input: FeatureInput, rate: number): FeatureWords;
}

export type Feature = NumericFeature | FlagFeature;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const ratioOf = (ratio: number) => (ratio >= 10 ? String(Math.round(ratio)) : ratio.toFixed(1));
const pct = (rate: number) => (rate >= 0.1 ? `${Math.round(rate * 100)}%` : `${(rate * 100).toFixed(1)}%`);
/** An age as a number and a unit (cf.reasons.units.<unit>). */
const age = (h: number): { value: number; unit: 'min' | 'h' | 'days' } =>
  h < 1 ? { value: Math.max(1, Math.round(h * 60)), unit: 'min' } : h < 48 ? { value: Math.round(h), unit: 'h' } : { value: Math.round(h / 24), unit: 'days' };
const said = (a: { value: number; unit: string }) => `${a.value} ${a.unit}`;
const words = (text: string, params: FeatureWords['params']): FeatureWords => ({ text, params });
const hasHistory = (i: FeatureInput) => i.prior.length >= MIN_PRIOR_ORDERS;

export const FEATURES: Feature[] = [
  {
    name: 'amount',
    type: 'numeric',
    tail: 'upper',
    value: (i) => Math.log(Math.max(1, i.amount)),
    explain: (i, m) => {
      const ratio = ratioOf(i.amount / Math.exp(m));
      return words(`order amount is ${ratio}× this merchant's median order`, { ratio });
    },
  },
  {
    name: 'amountVsAccount',
    type: 'numeric',
    tail: 'upper',
    value: (i) => (hasHistory(i) ? Math.log(Math.max(1, i.amount) / Math.max(1, median(i.prior.map((p) => p.amount)))) : undefined),
    explain: (i) => {
      const ratio = ratioOf(i.amount / Math.max(1, median(i.prior.map((p) => p.amount))));
      return words(`amount is ${ratio}× this account's median over its last ${i.prior.length} orders`, { ratio, orders: i.prior.length });
    },
  },
  {
    name: 'units',
    type: 'numeric',
    tail: 'upper',
    value: (i) => Math.log(i.units),
    explain: (i, m) => words(`${i.units} units in one order; this merchant's median is ${Math.round(Math.exp(m))}`, { units: i.units, median: Math.round(Math.exp(m)) }),
  },
  {
    name: 'accountAge',
    type: 'numeric',
    tail: 'lower',
    value: (i) => (i.accountAgeHours === undefined ? undefined : Math.log1p(Math.max(0, i.accountAgeHours))),
    explain: (i, m) => {
      const [own, usual] = [age(i.accountAgeHours!), age(Math.expm1(m))];
      return words(`account is ${said(own)} old; the median buyer's account is ${said(usual)} old`, {
        ageValue: own.value,
        ageUnit: own.unit,
        medianValue: usual.value,
        medianUnit: usual.unit,
      });
    },
  },
  {
    name: 'buyersOnDevice',
    type: 'numeric',
    tail: 'upper',
    value: (i) => (i.device ? i.buyersOnDevice : undefined),
    explain: (i, m) =>
      words(`${i.buyersOnDevice} different buyers ordered from this device in 24 h (usually ${Math.round(m)})`, { buyers: i.buyersOnDevice ?? 0, usual: Math.round(m) }),
  },
  {
    name: 'buyersOnIp',
    type: 'numeric',
    tail: 'upper',
    value: (i) => i.buyersOnIp,
    explain: (i, m) => words(`${i.buyersOnIp} different buyers ordered from this IP in 24 h (usually ${Math.round(m)})`, { buyers: i.buyersOnIp ?? 0, usual: Math.round(m) }),
  },
  {
    name: 'newDeviceForAccount',
    type: 'flag',
    value: (i) => (hasHistory(i) && i.device ? !i.prior.some((p) => p.device === i.device) : undefined),
    explain: (i, rate) =>
      words(`first order from this device for an account with ${i.prior.length} earlier orders (${pct(rate)} of repeat orders come from a new device)`, {
        orders: i.prior.length,
        rate: pct(rate),
      }),
  },
  {
    name: 'newCountryForAccount',
    type: 'flag',
    value: (i) => (hasHistory(i) && i.ipCountry ? !i.prior.some((p) => p.ipCountry === i.ipCountry) : undefined),
    explain: (i, rate) =>
      words(`first order from IP country ${i.ipCountry} for an account with ${i.prior.length} earlier orders (${pct(rate)} of repeat orders come from a new country)`, {
        country: i.ipCountry ?? '',
        orders: i.prior.length,
        rate: pct(rate),
      }),
  },
];

/** Every reason the model can give, by feature name: text at cf.risk.model_features.<name>. */
export const MODEL_FEATURE_NAMES = [...FEATURES.map((f) => f.name), 'hourOfDay'];
