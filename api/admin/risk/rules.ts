import crypto from 'node:crypto';
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Db } from '../../../db';
import { AppError, notFound } from '../../../lib/errors';
import { fieldProblem } from '../../../lib/field-codes';
import { changeRuleSet, currentRuleSet, listRuleSetVersions, ruleSetVersion, type RuleSet } from '../../../risk/rule-sets';
import { RiskSettingsSchema, RuleInputSchema, ruleNameWords, type Rule, type RuleInput } from '../../../risk/rules';
import { RULE_ACTIONS, RULE_KINDS } from '../../../risk/vocabulary';
import { parseOrThrow } from '../../errors';
import { allow } from '../auth';
import { IdList, pageInMemory, parseListQuery, sendRows } from '../list-query';

// /admin/risk/rules, /admin/risk/settings, /admin/risk/rule-sets. Every change writes a new
// version of the merchant's rule set; orders accepted from then on are judged by it.

const RuleFilter = z
  .object({
    id: IdList.optional(),
    kind: z.enum(RULE_KINDS).optional(),
    action: z.enum(RULE_ACTIONS).optional(),
    enabled: z.boolean().optional(),
    q: z.string().max(100).optional(),
  })
  .strict();

const actorOf = (req: Request) => `user:${req.admin!.email}`;
// nameWords: a built-in rule's name as a code, for the console to word; null for a merchant's own name.
const ruleView = (rule: Rule, set: RuleSet) => ({ ...rule, score: rule.score ?? null, nameWords: ruleNameWords(rule), ruleSetVersion: set.version });

/** react-admin sends the whole record back on update; the server owns these fields. */
const withoutServerFields = (body: unknown) => {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const { id: _id, ruleSetVersion: _v, nameWords: _n, ...rest } = body as Record<string, unknown>;
  return rest.score === null ? { ...rest, score: undefined } : rest;
};

export function adminRiskRulesRouter({ db }: { db: Db }) {
  const router = Router();

  router.get('/rules', allow('risk-rules', 'list'), async (req, res) => {
    const q = parseListQuery(req.query, {
      sortable: { id: 'id', name: 'name', kind: 'kind', action: 'action', score: 'score', enabled: 'enabled' },
      defaultSort: ['name', 'ASC'],
      filter: RuleFilter,
    });
    const set = await currentRuleSet(db, req.admin!.merchantId);
    const ids = q.filter.id;
    const rows = set.rules
      .filter((r) => (ids ? ids.includes(r.id) : true))
      .filter((r) => (q.filter.kind ? r.kind === q.filter.kind : true))
      .filter((r) => (q.filter.action ? r.action === q.filter.action : true))
      .filter((r) => (q.filter.enabled !== undefined ? r.enabled === q.filter.enabled : true))
      .filter((r) => (q.filter.q ? r.name.toLowerCase().includes(q.filter.q.toLowerCase()) : true))
      .map((r) => ruleView(r, set));
    sendRows(res, 'rules', pageInMemory(rows, q), rows.length, q);
  });

  router.get('/rules/:id', allow('risk-rules', 'show'), async (req, res) => {
    const set = await currentRuleSet(db, req.admin!.merchantId);
    const rule = set.rules.find((r) => r.id === req.params.id);
    if (!rule) throw notFound('Rule');
    res.json(ruleView(rule, set));
  });

  router.post('/rules', allow('risk-rules', 'create'), async (req, res) => {
    const input = await validRule(db, req.admin!.merchantId, req.body);
    const id = crypto.randomUUID();
    const set = await changeRuleSet(db, req.admin!.merchantId, actorOf(req), (current) => ({
      rules: [...current.rules, { id, ...input }],
      settings: current.settings,
      change: `added rule "${input.name}"`,
    }));
    res
      .status(201)
      .location(`/admin/risk/rules/${id}`)
      .json(
        ruleView(
          set.rules.find((r) => r.id === id)!,
          set,
        ),
      );
  });

  router.put('/rules/:id', allow('risk-rules', 'edit'), async (req, res) => {
    const input = await validRule(db, req.admin!.merchantId, withoutServerFields(req.body));
    const id = String(req.params.id);
    const set = await changeRuleSet(db, req.admin!.merchantId, actorOf(req), (current) => {
      if (!current.rules.some((r) => r.id === id)) throw notFound('Rule');
      return { rules: current.rules.map((r) => (r.id === id ? { id, ...input } : r)), settings: current.settings, change: `changed rule "${input.name}"` };
    });
    res.json(
      ruleView(
        set.rules.find((r) => r.id === id)!,
        set,
      ),
    );
  });

  router.delete('/rules/:id', allow('risk-rules', 'delete'), async (req, res) => {
    const id = String(req.params.id);
    let removed: Rule | undefined;
    const set = await changeRuleSet(db, req.admin!.merchantId, actorOf(req), (current) => {
      removed = current.rules.find((r) => r.id === id);
      if (!removed) throw notFound('Rule');
      return { rules: current.rules.filter((r) => r.id !== id), settings: current.settings, change: `removed rule "${removed.name}"` };
    });
    res.json(ruleView(removed!, set));
  });

  router.get('/settings', allow('risk-settings', 'show'), async (req, res) => {
    const set = await currentRuleSet(db, req.admin!.merchantId);
    res.json({ id: 'settings', ...set.settings, ruleSetVersion: set.version });
  });

  router.put('/settings', allow('risk-settings', 'edit'), async (req, res) => {
    const settings = parseOrThrow(RiskSettingsSchema, withoutServerFields(req.body));
    const set = await changeRuleSet(db, req.admin!.merchantId, actorOf(req), (current) => ({ rules: current.rules, settings, change: 'changed settings' }));
    res.json({ id: 'settings', ...set.settings, ruleSetVersion: set.version });
  });

  router.get('/rule-sets', allow('risk-settings', 'show'), async (req, res) => {
    const q = parseListQuery(req.query, { sortable: { id: 'id' }, defaultSort: ['id', 'DESC'], filter: z.object({}).strict() });
    const versions = (await listRuleSetVersions(db, req.admin!.merchantId)).map((v) => ({
      id: v.version,
      change: v.change,
      createdBy: v.created_by,
      createdAt: v.created_at.toISOString(),
    }));
    const rows = [...versions, { id: 0, change: 'built-in defaults', createdBy: 'system', createdAt: null }];
    sendRows(res, 'rule-sets', pageInMemory(rows, q), rows.length, q);
  });

  router.get('/rule-sets/:version', allow('risk-settings', 'show'), async (req, res) => {
    const version = z.coerce.number().int().min(0).safeParse(req.params.version);
    const set = version.success ? await ruleSetVersion(db, req.admin!.merchantId, version.data) : undefined;
    if (!set) throw notFound('Rule set version');
    res.json({ id: set.version, rules: set.rules, settings: set.settings, change: set.change, createdBy: set.createdBy, createdAt: set.createdAt?.toISOString() ?? null });
  });

  return router;
}

/** Schema first (per-field details), then what only the database knows: do the SKUs exist? */
async function validRule(db: Db, merchantId: string, body: unknown): Promise<RuleInput> {
  const rule = parseOrThrow(RuleInputSchema, body);
  const named =
    rule.kind === 'first_purchase'
      ? rule.params.skus.map((sku, i) => ({ sku, path: `params.skus.${i}` }))
      : rule.kind === 'sku_cap'
        ? [{ sku: rule.params.sku, path: 'params.sku' }]
        : [];
  if (named.length) {
    const known = new Set<string>(
      await db('skus')
        .where({ merchant_id: merchantId })
        .whereIn(
          'code',
          named.map((n) => n.sku),
        )
        .pluck('code'),
    );
    const unknown = named.filter((n) => !known.has(n.sku));
    if (unknown.length) {
      throw new AppError('invalid_input', 'validation_failed', 'The request body is invalid', {
        fields: unknown.map((n) => ({ path: n.path, ...fieldProblem('unknown_product', `unknown SKU "${n.sku}"`, { sku: n.sku }) })),
      });
    }
  }
  return rule;
}
