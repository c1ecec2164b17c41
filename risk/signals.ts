import net from 'node:net';
import type { Buyer } from '../orders/validators';
import type { Subject } from './vocabulary';

// Buyer signals turned into comparable keys. Two orders are "from the same email" when their
// normalised emails match, so every rule, list and velocity counter normalises the same way.

export { SUBJECTS, type Subject } from './vocabulary';

export const SUBJECT_LABEL: Record<Subject, string> = {
  ip: 'IP',
  subnet: 'subnet',
  account: 'account',
  device: 'device',
  email: 'email',
  phone: 'phone',
  payment: 'payment instrument',
};

const GMAIL = new Set(['gmail.com', 'googlemail.com']);

/**
 * Lower case; a "+tag" is dropped (a+1@x and a+2@x are one mailbox), and so are dots in Gmail
 * local parts, which Gmail ignores. Account farms lean on exactly these aliases.
 */
export function normaliseEmail(email: string): string {
  const [local, domain] = splitEmail(email.trim().toLowerCase());
  let base = local.split('+')[0];
  if (GMAIL.has(domain)) base = base.replace(/\./g, '');
  return `${base}@${domain === 'googlemail.com' ? 'gmail.com' : domain}`;
}

export function emailDomain(email: string): string {
  return splitEmail(email.trim().toLowerCase())[1];
}

function splitEmail(email: string): [string, string] {
  const at = email.lastIndexOf('@');
  return [email.slice(0, at), email.slice(at + 1)];
}

/** Digits only, keeping a leading "+" for international numbers. */
export function normalisePhone(phone: string): string {
  const trimmed = phone.trim();
  return (trimmed.startsWith('+') ? '+' : '') + trimmed.replace(/[^0-9]/g, '');
}

/** One spelling per address: IPv6 in its canonical compressed form, IPv4-mapped IPv6 as IPv4. */
export function normaliseIp(ip: string): string {
  const trimmed = ip.trim();
  if (net.isIPv4(trimmed))
    return trimmed
      .split('.')
      .map((o) => String(Number(o)))
      .join('.');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  if (mapped) return normaliseIp(mapped[1]);
  // The URL parser prints IPv6 hosts canonically (RFC 5952): lower case, longest zero run as "::".
  return new URL(`http://[${trimmed}]/`).hostname.slice(1, -1);
}

/** The /24 of an IPv4 address, the /64 of an IPv6 one (one household or one mobile customer). */
export function subnetOf(ip: string): string {
  const canonical = normaliseIp(ip);
  if (net.isIPv4(canonical)) return `${canonical.split('.').slice(0, 3).join('.')}.0/24`;
  const groups = expandIpv6(canonical).slice(0, 4);
  return normaliseIp(`${groups.join(':')}::`) + '/64';
}

function expandIpv6(ip: string): string[] {
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  return [...h, ...zeros, ...t];
}

/**
 * The buyer's identity for history: the storefront's account id, else the email in lower case.
 * Spelled exactly like the expression of the orders_risk_buyer_idx index, which finds a buyer's
 * earlier orders.
 */
export function buyerKey(buyer: Buyer): string | undefined {
  if (buyer.accountId) return `account:${buyer.accountId}`;
  if (buyer.email) return `email:${buyer.email.toLowerCase()}`;
  return undefined;
}

export const buyerKeySql = (column = 'buyer') => `coalesce('account:' || (${column}->>'accountId'), 'email:' || lower(${column}->>'email'))`;

/** The order's velocity keys, one per subject the buyer signals allow. */
export function subjectKeys(buyer: Buyer): Partial<Record<Subject, string>> {
  const keys: Partial<Record<Subject, string>> = {};
  if (buyer.ip) {
    keys.ip = normaliseIp(buyer.ip);
    keys.subnet = subnetOf(buyer.ip);
  }
  if (buyer.accountId) keys.account = buyer.accountId;
  if (buyer.deviceId) keys.device = buyer.deviceId;
  if (buyer.email) keys.email = normaliseEmail(buyer.email);
  if (buyer.phone) keys.phone = normalisePhone(buyer.phone);
  if (buyer.paymentFingerprint) keys.payment = buyer.paymentFingerprint;
  return keys;
}

/** How a subject value is shown in a reason: payment tokens shortened, the rest as is. */
export function describeSubject(subject: Subject, value: string): string {
  const shown = subject === 'payment' && value.length > 12 ? `${value.slice(0, 8)}…` : value;
  return `${SUBJECT_LABEL[subject]} ${shown}`;
}
