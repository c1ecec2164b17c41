import type { Buyer } from '../../orders/validators';

// A labelled synthetic order stream for one merchant: ordinary buyers over several weeks, and
// in the last week four scripted attacks (card testing, an account farm, a reseller bot, taken-
// over accounts). Deterministic for a seed, so the evaluation in docs/RISK.md can be rerun
// exactly. The shapes follow what card shops report: evening peaks, mostly wallets, CGNAT'd
// mobile IPs shared by strangers, travellers, and new accounts that really do buy big.

export type Label = 'normal' | 'card_testing' | 'account_farm' | 'reseller_bot' | 'account_takeover';

export interface SyntheticOrder {
  ref: string;
  at: string;
  label: Label;
  items: { sku: string; quantity: number }[];
  buyer: Buyer;
}

export interface Dataset {
  seed: number;
  start: string;
  /** Orders before this moment are history (the model trains on them); the rest is judged. */
  evaluateFrom: string;
  skus: { code: string; price: number }[];
  orders: SyntheticOrder[];
}

export const SKUS = [
  { code: 'VIDEO-1M', price: 1_990 },
  { code: 'COFFEE-TALL', price: 2_800 },
  { code: 'GAME-30', price: 2_940 },
  { code: 'GAME-100', price: 9_800 },
  { code: 'GAME-500', price: 49_000 },
  { code: 'GIFT-1000', price: 98_000 },
];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Share of a day's orders per UTC hour: buyers in UTC+8, busiest from lunch to late evening. */
const HOUR_WEIGHTS = [6, 6, 5, 5, 6, 7, 7, 6, 5, 5, 6, 8, 10, 11, 12, 11, 8, 4, 2, 1, 1, 1, 2, 4];

/** mulberry32: small, fast, good enough for simulation, and the same on every machine. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)],
    chance: (p: number) => next() < p,
    weighted: (weights: readonly number[]) => {
      let r = next() * weights.reduce((s, w) => s + w, 0);
      for (let i = 0; i < weights.length; i++) if ((r -= weights[i]) < 0) return i;
      return weights.length - 1;
    },
    hex: (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join(''),
  };
}

export function generateDataset(opts: { seed: number; buyers: number; historyDays: number; evaluationDays: number; start?: string }): Dataset {
  const r = prng(opts.seed);
  const start = Date.parse(opts.start ?? '2026-09-01T00:00:00Z');
  const days = opts.historyDays + opts.evaluationDays;
  const evaluateFrom = start + opts.historyDays * DAY;
  const orders: SyntheticOrder[] = [];
  let seq = 0;
  const ref = (label: string) => `${label}-${String(++seq).padStart(6, '0')}`;
  const timeOnDay = (day: number) => start + day * DAY + r.weighted(HOUR_WEIGHTS) * HOUR + Math.floor(r.next() * HOUR);
  const iso = (t: number) => new Date(t).toISOString();

  // Mobile carriers put many customers behind one address (CGNAT): a pool smaller than the
  // number of buyers, so strangers share IPs and subnets.
  const mobileIps = Array.from({ length: Math.ceil(opts.buyers * 0.5) }, () => `10${r.int(0, 9)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`);
  const providers = ['qq.com', '163.com', '126.com', 'gmail.com', 'outlook.com', 'foxmail.com', 'sina.com'];

  interface Person {
    id: number;
    buyer: Buyer;
    rate: number;
    favourites: string[];
    spare: { ip: string; deviceId: string };
    travelling: boolean;
  }
  const people: Person[] = [];
  for (let i = 0; i < opts.buyers; i++) {
    // Most accounts are months or years old; some sign up during the period and buy at once.
    const created = r.chance(0.12) ? start + r.next() * days * DAY : start - r.int(1, 900) * DAY - r.next() * DAY;
    const country = r.chance(0.93) ? 'CN' : r.pick(['HK', 'TW', 'SG', 'MY', 'US']);
    const card = r.chance(0.3);
    const name = `user${i}${r.hex(3)}`;
    people.push({
      id: i,
      rate: Math.exp(-2.2 + 0.9 * gaussian(r.next)), // orders per day, log-normal around one a week
      favourites: [r.pick(SKUS).code, r.pick(SKUS.slice(0, 4)).code],
      travelling: r.chance(0.04),
      spare: { ip: r.pick(mobileIps), deviceId: `dev-${r.hex(12)}` },
      buyer: {
        accountId: `acct-${i}`,
        accountCreatedAt: iso(created),
        accountCountry: country,
        email: `${name}@${r.pick(providers)}`,
        phone: `+86 1${r.int(30, 99)}${r.int(10000000, 99999999)}`,
        ip: r.chance(0.6) ? r.pick(mobileIps) : `${r.int(1, 223)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`,
        ipCountry: country,
        deviceId: `dev-${r.hex(12)}`,
        paymentMethod: card ? 'card' : 'wallet',
        ...(card ? { paymentFingerprint: `fp_${r.hex(16)}`, cardBin: `62${r.int(1000, 9999)}`, cardCountry: country } : {}),
      },
    });
  }

  for (const p of people) {
    const created = Date.parse(p.buyer.accountCreatedAt!);
    for (let day = 0; day < days; day++) {
      if (start + (day + 1) * DAY < created) continue;
      let n = poisson(r.next, p.rate);
      // A new account's first order often comes within the hour of signing up.
      if (created >= start + day * DAY && created < start + (day + 1) * DAY) n = Math.max(n, r.chance(0.7) ? 1 : 0);
      for (let k = 0; k < n; k++) {
        const firstDay = created >= start + day * DAY;
        const at = firstDay && k === 0 ? created + r.int(2, 55) * 60_000 : Math.max(timeOnDay(day), created + 60_000);
        const big = r.chance(0.02);
        const sku = big ? r.pick(['GAME-500', 'GIFT-1000']) : r.chance(0.8) ? r.pick(p.favourites) : r.pick(SKUS.slice(0, 4)).code;
        const quantity = r.chance(0.85) ? 1 : r.int(2, 4);
        // Now and then from a phone on the mobile network, or abroad for travellers.
        const away = r.chance(0.15);
        const abroad = p.travelling && r.chance(0.5);
        orders.push({
          ref: ref('normal'),
          at: iso(at),
          label: 'normal',
          items: [{ sku, quantity }],
          buyer: {
            ...p.buyer,
            ...(away ? p.spare : {}),
            ...(abroad ? { ip: `${r.int(1, 223)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`, ipCountry: r.pick(['JP', 'TH', 'KR', 'FR']) } : {}),
          },
        });
      }
    }
  }

  const attackDay = (d: number) => evaluateFrom + Math.min(d, opts.evaluationDays - 1) * DAY;

  // Card testing: a script tries stolen cards on the cheapest item from one machine, a new
  // card every order, in bursts as fast as the shop answers: four bursts of 15, a few minutes
  // apart.
  {
    const t0 = attackDay(1) + 19 * HOUR + r.int(0, 50) * 60_000;
    const ip = `185.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`;
    const deviceId = `dev-${r.hex(12)}`;
    for (let i = 0; i < 60; i++) {
      const country = r.pick(['US', 'GB', 'BR', 'DE', 'CA']);
      orders.push({
        ref: ref('card-testing'),
        at: iso(t0 + Math.floor(i / 15) * r.int(3, 8) * 60_000 + (i % 15) * r.int(300, 1500)),
        label: 'card_testing',
        items: [{ sku: 'VIDEO-1M', quantity: 1 }],
        buyer: {
          email: `${r.hex(8)}@${r.pick(['mailinator.com', 'gmail.com', 'outlook.com'])}`,
          ip,
          ipCountry: 'NL',
          deviceId,
          paymentMethod: 'card',
          paymentFingerprint: `fp_${r.hex(16)}`,
          cardBin: `4${r.int(10000, 99999)}`,
          cardCountry: country,
        },
      });
    }
  }

  // Account farm: thirty fresh accounts from one proxy subnet, each buying one high-value
  // card within minutes of signing up, over two hours; new devices each time.
  {
    const t0 = attackDay(3) + 13 * HOUR;
    const subnet = `103.${r.int(0, 255)}.${r.int(0, 255)}`;
    const farmer = `farm${r.hex(4)}`;
    for (let i = 0; i < 30; i++) {
      const at = t0 + i * r.int(3, 5) * 60_000;
      orders.push({
        ref: ref('account-farm'),
        at: iso(at),
        label: 'account_farm',
        items: [{ sku: r.pick(['GAME-500', 'GIFT-1000']), quantity: 1 }],
        buyer: {
          accountId: `acct-farm-${r.hex(6)}`,
          accountCreatedAt: iso(at - r.int(2, 20) * 60_000),
          accountCountry: 'CN',
          email: r.chance(0.5) ? `${farmer}+${i}@gmail.com` : `${r.hex(8)}@${r.pick(['guerrillamail.com', 'yopmail.com', '10minutemail.com'])}`,
          ip: `${subnet}.${r.int(2, 250)}`,
          ipCountry: 'CN',
          deviceId: `dev-${r.hex(12)}`,
          paymentMethod: 'wallet',
        },
      });
    }
  }

  // Reseller bot: one account a few days old buys five cards at a time, in bursts of ten
  // checkouts a second or two apart whenever a drop opens, eight drops over four hours.
  {
    const t0 = attackDay(4) + 16 * HOUR;
    const bot: Buyer = {
      accountId: `acct-bot-${r.hex(6)}`,
      accountCreatedAt: iso(t0 - 3 * DAY),
      accountCountry: 'CN',
      email: `${r.hex(10)}@163.com`,
      ip: `47.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`,
      ipCountry: 'CN',
      deviceId: `dev-${r.hex(12)}`,
      paymentMethod: 'card',
      paymentFingerprint: `fp_${r.hex(16)}`,
      cardBin: '622202',
      cardCountry: 'CN',
    };
    for (let i = 0; i < 80; i++) {
      const at = t0 + Math.floor(i / 10) * r.int(25, 35) * 60_000 + (i % 10) * r.int(500, 2500);
      orders.push({ ref: ref('reseller-bot'), at: iso(at), label: 'reseller_bot', items: [{ sku: 'GAME-100', quantity: 5 }], buyer: bot });
    }
  }

  // Taken-over accounts: established buyers' logins used from a new device abroad, on the most
  // expensive cards, a couple of orders each; most add a card of their own, some spend the
  // saved wallet or card.
  {
    const prior = new Map<string, number>();
    for (const o of orders) if (o.label === 'normal' && Date.parse(o.at) < evaluateFrom) prior.set(o.buyer.accountId!, (prior.get(o.buyer.accountId!) ?? 0) + 1);
    const victims = people.filter((p) => (prior.get(p.buyer.accountId!) ?? 0) >= 5 && !p.travelling).slice(0, 10);
    victims.forEach((v, i) => {
      const t0 = attackDay(5 + (i % 2)) + r.int(0, 23) * HOUR;
      const deviceId = `dev-${r.hex(12)}`;
      const ip = `${r.pick(['91', '95', '113'])}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`;
      const ipCountry = r.pick(['RU', 'VN', 'ID', 'NG']);
      const card = r.chance(0.7) ? { paymentMethod: 'card' as const, paymentFingerprint: `fp_${r.hex(16)}`, cardBin: `4${r.int(10000, 99999)}`, cardCountry: ipCountry } : {};
      for (let k = 0; k < r.int(1, 3); k++) {
        orders.push({
          ref: ref('takeover'),
          at: iso(t0 + k * r.int(1, 6) * 60_000),
          label: 'account_takeover',
          items: [{ sku: r.pick(['GAME-500', 'GIFT-1000']), quantity: r.int(1, 2) }],
          buyer: { ...v.buyer, ip, ipCountry, deviceId, ...card },
        });
      }
    });
  }

  orders.sort((a, b) => a.at.localeCompare(b.at) || a.ref.localeCompare(b.ref));
  return { seed: opts.seed, start: iso(start), evaluateFrom: iso(evaluateFrom), skus: SKUS, orders };
}

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

function poisson(next: () => number, lambda: number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  for (let p = next(); p > limit; p *= next()) k++;
  return k;
}
