import { FEATURES, median, type FeatureInput } from './features';

// The anomaly model: per merchant, how its own orders are spread. For each numeric feature it
// keeps the median and the values beyond which 1/2, 1/4, 1/8 … 1/n of the history lies; for
// each yes/no feature how often it is yes; and how orders spread over the hours of the day.
// A new order is scored by how rare each value would have been in that history, measured in
// bits (1 in 2^k is k bits): rarer than 1 in 16 starts to add points. Quantiles, unlike mean
// and standard deviation, make no assumption about the shape of the data (amounts are heavy-
// tailed) and barely move when a few fraudulent orders slip into the history.

export interface NumericStats {
  n: number;
  median: number;
  /** tail[k-1]: the value above which 2^-k of the history lies (in the unusual direction). */
  tail: number[];
  /** The most extreme value seen (in the unusual direction). */
  extreme: number;
}

export interface AnomalyModel {
  version: 2;
  orderCount: number;
  numeric: Record<string, NumericStats>;
  flags: Record<string, { rate: number; n: number }>;
  /** Orders per UTC hour of day (24 counts). */
  hours: number[];
  /** The cold-start priors (risk/model/priors.ts), not this merchant's own history. */
  priors?: true;
}

/** A feature needs this many observations before it may add points. */
const MIN_OBSERVATIONS = 30;
/** Rarer than 1 in 8 (3 bits) starts to count; each further halving adds POINTS_PER_BIT. */
const START_BITS = 3;
const POINTS_PER_BIT = 4;
const NUMERIC_CAP = 25;
const FLAG_CAP = 20;
const HOUR_CAP = 10;
/** An even spread puts 1/24 (4.6 bits) in every hour; an hour counts from a quarter of that. */
const HOUR_START_BITS = Math.log2(24) + 2;

export function fitModel(inputs: FeatureInput[]): AnomalyModel {
  const model: AnomalyModel = { version: 2, orderCount: inputs.length, numeric: {}, flags: {}, hours: Array(24).fill(0) };
  for (const input of inputs) model.hours[input.at.getUTCHours()]++;
  for (const feature of FEATURES) {
    if (feature.type === 'numeric') {
      const raw = inputs.map((i) => feature.value(i)).filter((x): x is number => x !== undefined && Number.isFinite(x));
      if (raw.length === 0) continue;
      // Lower-tail features are flipped, so "unusual" is always "large".
      const xs = raw.map((x) => (feature.tail === 'upper' ? x : -x)).sort((a, b) => a - b);
      const tail: number[] = [];
      for (let k = 1; 2 ** k <= xs.length; k++) tail.push(xs[Math.min(xs.length - 1, Math.floor(xs.length * (1 - 2 ** -k)))]);
      model.numeric[feature.name] = { n: xs.length, median: median(raw), tail, extreme: xs[xs.length - 1] };
    } else {
      const flags = inputs.map((i) => feature.value(i)).filter((x): x is boolean => x !== undefined);
      if (flags.length === 0) continue;
      // Laplace smoothing: never certain from a finite history.
      model.flags[feature.name] = { rate: (flags.filter(Boolean).length + 1) / (flags.length + 2), n: flags.length };
    }
  }
  return model;
}

/** How rare x would have been in the history, in bits: k when only 2^-k of it lies beyond x. */
export function surpriseBits(stats: NumericStats, x: number): number {
  const { tail, extreme, n } = stats;
  const beyondAll = Math.log2(n + 1);
  if (x > extreme) return beyondAll;
  for (let k = tail.length; k >= 1; k--) {
    if (x > tail[k - 1]) {
      const next = k < tail.length ? tail[k] : extreme;
      const nextBits = k < tail.length ? k + 1 : beyondAll;
      return next > tail[k - 1] ? k + ((x - tail[k - 1]) / (next - tail[k - 1])) * (nextBits - k) : k;
    }
  }
  return 0;
}

const pointsFor = (bits: number, cap: number, start = START_BITS) => Math.min(cap, Math.round((bits - start) * POINTS_PER_BIT));
const rarerThan = (bits: number) => Number((2 ** bits).toPrecision(2));
const rarity = (bits: number, priors: boolean) => `rarer than 1 in ${rarerThan(bits)} of ${priors ? 'ordinary orders in the cold-start priors' : "this shop's orders"}`;

export interface ModelContribution {
  feature: string;
  points: number;
  explanation: string;
  params: Record<string, string | number>;
}

export interface AnomalyScore {
  points: number;
  /** explanation: in English; params: its values, for the console's words (risk/model/features.ts). */
  contributions: ModelContribution[];
}

export function scoreAnomaly(model: AnomalyModel, input: FeatureInput, maxPoints: number): AnomalyScore {
  if (model.version !== 2) return { points: 0, contributions: [] }; // trained by an older release; the next run replaces it
  const contributions: AnomalyScore['contributions'] = [];
  for (const feature of FEATURES) {
    if (feature.type === 'numeric') {
      const stats = model.numeric[feature.name];
      const x = feature.value(input);
      if (!stats || stats.n < MIN_OBSERVATIONS || x === undefined || !Number.isFinite(x)) continue;
      const bits = surpriseBits(stats, feature.tail === 'upper' ? x : -x);
      const points = pointsFor(bits, NUMERIC_CAP);
      if (points > 0) {
        const why = feature.explain(input, stats.median);
        contributions.push({ feature: feature.name, points, explanation: `${why.text} (${rarity(bits, !!model.priors)})`, params: { ...why.params, rarerThan: rarerThan(bits) } });
      }
    } else {
      const stats = model.flags[feature.name];
      if (!stats || stats.n < MIN_OBSERVATIONS || feature.value(input) !== true) continue;
      const points = pointsFor(Math.log2(1 / stats.rate), FLAG_CAP);
      if (points > 0) {
        const why = feature.explain(input, stats.rate);
        contributions.push({ feature: feature.name, points, explanation: why.text, params: why.params });
      }
    }
  }
  if (!model.priors && model.orderCount >= MIN_OBSERVATIONS) {
    const hour = input.at.getUTCHours();
    const share = (model.hours[hour] + 1) / (model.orderCount + 24);
    const points = pointsFor(Math.log2(1 / share), HOUR_CAP, HOUR_START_BITS);
    if (points > 0) {
      const hh = String(hour).padStart(2, '0');
      const percent = `${(share * 100).toFixed(1)}%`;
      contributions.push({
        feature: 'hourOfDay',
        points,
        explanation: `ordered between ${hh}:00 and ${hh}:59 UTC, an hour with ${percent} of this merchant's orders`,
        params: { hour: hh, share: percent },
      });
    }
  }
  contributions.sort((a, b) => b.points - a.points);
  const total = contributions.reduce((sum, c) => sum + c.points, 0);
  return { points: Math.min(maxPoints, total), contributions };
}
