import { FEATURES, median, type FeatureInput } from './features';

// The anomaly model: per merchant, robust statistics of its own order history. For each
// numeric feature the median and the median absolute deviation (MAD); for each yes/no feature
// how often it is yes; and how orders spread over the hours of the day. A new order scores
// points for every feature far out in the merchant's tail, and each point comes with a
// sentence. Median and MAD barely move when a few fraudulent orders slip into the history,
// which is why they are used instead of mean and standard deviation.

export interface AnomalyModel {
  version: 1;
  orderCount: number;
  numeric: Record<string, { median: number; spread: number; n: number }>;
  flags: Record<string, { rate: number; n: number }>;
  /** Orders per UTC hour of day (24 counts). */
  hours: number[];
}

/** A feature needs this many observations before it may add points. */
const MIN_OBSERVATIONS = 30;
/** Robust z-scores below this are normal variation. */
const Z_START = 3;
const POINTS_PER_Z = 4;
const NUMERIC_CAP = 25;
/** Yes/no features score from their surprise, log2(1/rate): 3 bits is a 1-in-8 event. */
const FLAG_START_BITS = 3;
const POINTS_PER_BIT = 5;
const FLAG_CAP = 20;
/** An hour holding under 1/64 (1.6%) of the orders starts to count. */
const HOUR_START_BITS = 6;
const HOUR_CAP = 10;

export function fitModel(inputs: FeatureInput[]): AnomalyModel {
  const model: AnomalyModel = { version: 1, orderCount: inputs.length, numeric: {}, flags: {}, hours: Array(24).fill(0) };
  for (const input of inputs) model.hours[input.at.getUTCHours()]++;
  for (const feature of FEATURES) {
    if (feature.type === 'numeric') {
      const xs = inputs.map((i) => feature.value(i)).filter((x): x is number => x !== undefined && Number.isFinite(x));
      if (xs.length === 0) continue;
      const m = median(xs);
      const mad = median(xs.map((x) => Math.abs(x - m)));
      // 1.4826 × MAD estimates the standard deviation of normally distributed data.
      model.numeric[feature.name] = { median: m, spread: Math.max(feature.minSpread, 1.4826 * mad), n: xs.length };
    } else {
      const flags = inputs.map((i) => feature.value(i)).filter((x): x is boolean => x !== undefined);
      if (flags.length === 0) continue;
      // Laplace smoothing: never certain from a finite history.
      model.flags[feature.name] = { rate: (flags.filter(Boolean).length + 1) / (flags.length + 2), n: flags.length };
    }
  }
  return model;
}

export interface AnomalyScore {
  points: number;
  contributions: { feature: string; points: number; explanation: string }[];
}

export function scoreAnomaly(model: AnomalyModel, input: FeatureInput, maxPoints: number): AnomalyScore {
  const contributions: AnomalyScore['contributions'] = [];
  for (const feature of FEATURES) {
    if (feature.type === 'numeric') {
      const stats = model.numeric[feature.name];
      const x = feature.value(input);
      if (!stats || stats.n < MIN_OBSERVATIONS || x === undefined || !Number.isFinite(x)) continue;
      const z = (feature.tail === 'upper' ? x - stats.median : stats.median - x) / stats.spread;
      const points = Math.min(NUMERIC_CAP, Math.round((z - Z_START) * POINTS_PER_Z));
      if (points > 0) contributions.push({ feature: feature.name, points, explanation: feature.explain(input, stats.median) });
    } else {
      const stats = model.flags[feature.name];
      if (!stats || stats.n < MIN_OBSERVATIONS || feature.value(input) !== true) continue;
      const points = Math.min(FLAG_CAP, Math.round((Math.log2(1 / stats.rate) - FLAG_START_BITS) * POINTS_PER_BIT));
      if (points > 0) contributions.push({ feature: feature.name, points, explanation: feature.explain(input, stats.rate) });
    }
  }
  if (model.orderCount >= MIN_OBSERVATIONS) {
    const hour = input.at.getUTCHours();
    const share = (model.hours[hour] + 1) / (model.orderCount + 24);
    const points = Math.min(HOUR_CAP, Math.round((Math.log2(1 / share) - HOUR_START_BITS) * POINTS_PER_BIT));
    if (points > 0) {
      const hh = String(hour).padStart(2, '0');
      contributions.push({ feature: 'hourOfDay', points, explanation: `ordered between ${hh}:00 and ${hh}:59 UTC, an hour with ${(share * 100).toFixed(1)}% of this merchant's orders` });
    }
  }
  contributions.sort((a, b) => b.points - a.points);
  const total = contributions.reduce((sum, c) => sum + c.points, 0);
  return { points: Math.min(maxPoints, total), contributions };
}
