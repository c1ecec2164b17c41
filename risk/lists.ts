import net from 'node:net';
import type { Knex } from 'knex';
import { z } from 'zod';
import { coded, fieldProblem, type FieldProblem } from '../lib/field-codes';
import { isPhoneNumber } from '../lib/phone-number';
import type { Buyer } from '../orders/validators';
import { emailDomain, normaliseEmail, normaliseIp, normalisePhone } from './signals';
import { LIST_KINDS, LISTS, type ListKind } from './vocabulary';

// Block and allow lists: a block-list hit rejects the order, an allow-list hit lets it through
// whatever else fired. Entries are stored normalised, the way risk/signals.ts normalises an
// order's signals, so "Fraud@Example.com" and "fraud@example.com" are one entry.

export { LIST_KINDS, type ListKind } from './vocabulary';

const DOMAIN = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export const ListEntryInputSchema = z
  .object({
    list: z.enum(LISTS),
    kind: z.enum(LIST_KINDS),
    value: z.string().trim().min(1).max(254),
    reason: z.string().trim().max(500).optional(),
  })
  .strict()
  .superRefine((entry, ctx) => {
    const problem = valueProblem(entry.kind, entry.value);
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], ...coded(problem.code, problem.message, problem.params) });
  });

export type ListEntryInput = z.infer<typeof ListEntryInputSchema>;

function valueProblem(kind: ListKind, value: string): FieldProblem | undefined {
  switch (kind) {
    case 'ip':
      return net.isIP(value) ? undefined : fieldProblem('invalid_ip', 'must be an IPv4 or IPv6 address');
    case 'cidr':
      return parseCidr(value) ? undefined : fieldProblem('invalid_ip_range', 'must be an address range such as 203.0.113.0/24 or 2001:db8::/32');
    case 'email':
      return z.email().safeParse(value).success ? undefined : fieldProblem('invalid_email', 'must be an email address');
    case 'email_domain':
      return DOMAIN.test(value.toLowerCase()) ? undefined : fieldProblem('invalid_domain', 'must be a domain such as example.com, or *.example.com for it and every subdomain');
    case 'phone':
      return isPhoneNumber(value) ? undefined : fieldProblem('phone', 'must be a phone number');
    default:
      return value.length <= 128 ? undefined : fieldProblem('too_long', 'must be at most 128 characters', { maximum: 128 });
  }
}

/** The stored spelling of an entry (call after validation). */
export function normaliseEntryValue(kind: ListKind, value: string): string {
  switch (kind) {
    case 'ip':
      return normaliseIp(value);
    case 'cidr':
      return parseCidr(value)!;
    case 'email':
      return normaliseEmail(value);
    case 'email_domain':
      return value.toLowerCase();
    case 'phone':
      return normalisePhone(value);
    default:
      return value;
  }
}

/** "203.0.113.7/24" → "203.0.113.0/24" (Postgres's cidr type refuses host bits); undefined if invalid. */
function parseCidr(value: string): string | undefined {
  const [address, bitsText, extra] = value.split('/');
  if (extra !== undefined || !/^\d{1,3}$/.test(bitsText ?? '')) return undefined;
  const bits = Number(bitsText);
  const family = net.isIP(address);
  if (family === 0 || bits > (family === 4 ? 32 : 128)) return undefined;
  const bytes = toBytes(normaliseIp(address));
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] &= (0xff << (8 - keep)) & 0xff;
  }
  return `${fromBytes(bytes)}/${bits}`;
}

function toBytes(ip: string): number[] {
  if (net.isIPv4(ip)) return ip.split('.').map(Number);
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
}

function fromBytes(bytes: number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16));
  return normaliseIp(groups.join(':'));
}

/** Every (kind, value) an order's buyer could be listed under, for one indexed lookup. */
export function listCandidates(buyer: Buyer): [ListKind, string][] {
  const c: [ListKind, string][] = [];
  if (buyer.ip) c.push(['ip', normaliseIp(buyer.ip)]);
  if (buyer.email) {
    c.push(['email', normaliseEmail(buyer.email)]);
    const labels = emailDomain(buyer.email).split('.');
    c.push(['email_domain', labels.join('.')]);
    // *.example.com matches example.com and every subdomain of it.
    for (let i = 0; i < labels.length - 1; i++) c.push(['email_domain', `*.${labels.slice(i).join('.')}`]);
  }
  if (buyer.phone) c.push(['phone', normalisePhone(buyer.phone)]);
  if (buyer.accountId) c.push(['account', buyer.accountId]);
  if (buyer.deviceId) c.push(['device', buyer.deviceId]);
  if (buyer.paymentFingerprint) c.push(['payment', buyer.paymentFingerprint]);
  return c;
}

/** The entries an order's buyer matches, as a query to run as part of a larger statement. */
export function listMatchQuery(db: Knex, merchantId: string, buyer: Buyer): Knex.QueryBuilder | undefined {
  const candidates = listCandidates(buyer);
  if (candidates.length === 0) return undefined;
  const ip = buyer.ip ? normaliseIp(buyer.ip) : undefined;
  return db('risk_list_entries')
    .where({ merchant_id: merchantId })
    .andWhere((q) => {
      // One array per column, not a placeholder per candidate: the text stays the same whatever the
      // buyer gave, so the risk check's statement is planned once (db/index.ts plannedOnce).
      q.whereRaw('(kind, value) IN (SELECT k, v FROM unnest(?::text[], ?::text[]) AS c(k, v))', [candidates.map((c) => c[0]), candidates.map((c) => c[1])]);
      if (ip) q.orWhere((r) => r.where({ kind: 'cidr' }).andWhereRaw('value::cidr >>= ?::inet', [ip]));
    })
    .orderBy([{ column: 'list' }, { column: 'kind' }])
    .select('list', 'kind', 'reason');
}
