import crypto from 'node:crypto';
import { issueToken } from '../lib/tokens';
import { changeRuleSet } from '../risk/rule-sets';
import { DEFAULT_SETTINGS, RuleInputSchema, type RiskSettings } from '../risk/rules';
import type { Role } from '../api/admin/auth';
import type { TestSystem } from './harness';

// Shared by the risk tests: set a merchant's rules, add admin users of a role, place an order
// and wait until the risk check has had its say.

/** Replaces the merchant's rule set (a new version), as the admin API would. */
export async function useRules(sys: TestSystem, rules: unknown[], settings: Partial<RiskSettings> = {}) {
  return changeRuleSet(sys.db, sys.merchant.merchantId, 'test', () => ({
    rules: rules.map((r) => ({ id: crypto.randomUUID(), ...RuleInputSchema.parse(r) })),
    settings: { ...DEFAULT_SETTINGS, ...settings },
    change: 'test rules',
  }));
}

export async function addAdmin(sys: TestSystem, role: Role, merchantId = sys.merchant.merchantId): Promise<{ token: string; userId: string; email: string }> {
  const userId = crypto.randomUUID();
  const email = `${role}-${crypto.randomBytes(4).toString('hex')}@example.com`;
  const token = issueToken('pat');
  await sys.db('users').insert({ id: userId, merchant_id: merchantId, email, role });
  await sys.db('admin_tokens').insert({ id: crypto.randomUUID(), user_id: userId, prefix: token.prefix, token_hash: token.hash });
  return { token: token.token, userId, email };
}

let refs = 0;

/** Places an order and waits until it is delivered, cancelled or held. */
export async function placeOrder(sys: TestSystem, buyer: Record<string, unknown> = {}, items = [{ sku: 'CARD', quantity: 1 }]) {
  const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `risk-${++refs}-${crypto.randomBytes(3).toString('hex')}`, items, buyer } });
  if (placed.status !== 202) throw new Error(`order refused: ${placed.status} ${JSON.stringify(placed.body)}`);
  return sys.waitForOrder(placed.body.id, ['delivered', 'cancelled', 'held']);
}

export const admin = (sys: TestSystem, method: string, path: string, body?: unknown, token = sys.merchant.adminToken) => sys.api(method, path, { key: token, body });
