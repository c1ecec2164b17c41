import type { Knex } from 'knex';
import type { Db } from '../db';
import { recordAudit } from '../lib/audit';
import { DEFAULT_RULES, DEFAULT_SETTINGS, type Rule, type RiskSettings } from './rules';

// A merchant's rules and settings as numbered, immutable versions. Every change writes the
// whole set as the next version, so the rules an order was judged by can always be shown.
// Version 0 is the built-in default (risk/rules.ts) that a merchant starts from.

export interface RuleSet {
  version: number;
  rules: Rule[];
  settings: RiskSettings;
  change: string;
  createdBy: string;
  createdAt: Date | null;
}

export const DEFAULT_RULE_SET: RuleSet = {
  version: 0,
  rules: DEFAULT_RULES,
  settings: DEFAULT_SETTINGS,
  change: 'built-in defaults',
  createdBy: 'system',
  createdAt: null,
};

type Conn = Db | Knex.Transaction;

const fromRow = (row: { version: number; rules: Rule[]; settings: RiskSettings; change: string; created_by: string; created_at: Date }): RuleSet => ({
  version: row.version,
  rules: row.rules,
  settings: row.settings,
  change: row.change,
  createdBy: row.created_by,
  createdAt: row.created_at,
});

export async function currentRuleSet(db: Conn, merchantId: string): Promise<RuleSet> {
  const row = await db('risk_rule_sets').where({ merchant_id: merchantId }).orderBy('version', 'desc').first();
  return row ? fromRow(row) : DEFAULT_RULE_SET;
}

/** The version in force when an order was accepted: a change applies to orders accepted after it. */
export async function ruleSetInForceAt(db: Conn, merchantId: string, at: Date): Promise<RuleSet> {
  const row = await db('risk_rule_sets').where({ merchant_id: merchantId }).andWhere('created_at', '<=', at).orderBy('version', 'desc').first();
  return row ? fromRow(row) : DEFAULT_RULE_SET;
}

export async function ruleSetVersion(db: Conn, merchantId: string, version: number): Promise<RuleSet | undefined> {
  if (version === 0) return DEFAULT_RULE_SET;
  const row = await db('risk_rule_sets').where({ merchant_id: merchantId, version }).first();
  return row ? fromRow(row) : undefined;
}

export async function listRuleSetVersions(db: Conn, merchantId: string) {
  return db('risk_rule_sets').where({ merchant_id: merchantId }).orderBy('version', 'desc').select('version', 'change', 'created_by', 'created_at');
}

/**
 * Writes the next version from the current one. The merchant row is locked so two editors
 * cannot both write "version n+1"; the change is audited in the same transaction.
 */
export async function changeRuleSet(
  db: Db,
  merchantId: string,
  actor: string,
  edit: (current: RuleSet) => { rules: Rule[]; settings: RiskSettings; change: string },
): Promise<RuleSet> {
  return db.transaction(async (trx) => {
    await trx('merchants').where({ id: merchantId }).forUpdate().first('id');
    const current = await currentRuleSet(trx, merchantId);
    const next = edit(current);
    const version = current.version + 1;
    const [row] = await trx('risk_rule_sets')
      .insert({
        merchant_id: merchantId,
        version,
        rules: JSON.stringify(next.rules),
        settings: JSON.stringify(next.settings),
        change: next.change,
        created_by: actor,
      })
      .returning('*');
    await recordAudit(trx, {
      merchantId,
      actor,
      action: 'risk.rules.changed',
      target: `risk_rule_set:${version}`,
      detail: { version, change: next.change },
    });
    return fromRow(row);
  });
}
