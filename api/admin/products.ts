import crypto from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { promisableUnits } from '../../stock/availability';
import type { Db } from '../../db';
import { recordAudit, userActor } from '../../lib/audit';
import { AppError, conflict, invalidInput, notFound } from '../../lib/errors';
import { coded, fieldPattern, fieldProblem, type FieldRefusal } from '../../lib/field-codes';
import { durationSeconds } from '../../lib/duration-field';
import { parseOrThrow } from '../errors';
import { jsonBody } from '../well-formed';
import { allow } from './auth';
import { escapeLike, IdList, iso, parseListQuery, sendList } from './list-query';
import type { SkuRow } from '../../db/tables';
import { bundleDefinitionProblems, loadComponents } from '../../orders/bundle-lines';
import { customAmountRule } from '../../orders/custom-amount';

// Products (SKUs). A SKU's code is its id in the console and in the storefront API, so it is
// fixed once created; so is its currency, which its orders and stock batches are priced in.

const MODES = ['stock', 'supplier', 'topup', 'link', 'manual', 'bundle'] as const;
const money = z.number({ error: 'Enter an amount' }).int('Amounts are whole minor units').min(0, 'Cannot be negative').max(1e12);

// How long a manual order may wait on a person: escalate (an alert), then cancel.
const deadline = durationSeconds(z.number({ error: 'Enter a number of seconds' }).int('Whole seconds'), 60, 30 * 86_400, {
  tooShort: 'At least one minute',
  tooLong: 'At most 30 days',
});

export const Editable = z.object({
  name: z.string().trim().min(1, 'Give the product a name').max(200),
  faceValue: money,
  price: money,
  cost: money,
  fulfilmentMode: z.enum(MODES),
  active: z.boolean().default(true),
  maxPerOrder: z.number().int().min(1).max(1000).nullable().default(null),
  lowStockThreshold: z.number().int().min(0).max(1_000_000).nullable().default(null),
  // Left out, these keep their stored value (older clients do not send them).
  supplierFallback: z.boolean().optional(),
  manualEscalateAfterSeconds: deadline.optional(),
  manualCancelAfterSeconds: deadline.optional(),
  /** Whether `abc` and `ABC` are two codes (stock/code-identity.ts); fixed once the product has codes. */
  codesCaseSensitive: z.boolean().optional(),
  /** For a bundle (mode `bundle`): its parts, each with its share of the price, and what a part that cannot be had does. */
  bundle: z
    .object({
      policy: z.enum(['wait', 'undo']),
      components: z
        .array(z.object({ sku: z.string().trim().min(1).max(64), quantity: z.number().int().min(1).max(100), priceShare: money }).strict())
        .min(2, 'A bundle has at least two components')
        .max(20),
    })
    .strict()
    .nullable()
    .optional(),
  /** Custom face value (top-up, supplier or manual SKUs): any amount in [min, max] on the step; price and cost as basis points of it. */
  customAmount: z
    .object({
      min: money.min(1, 'At least 1'),
      max: money.min(1, 'At least 1'),
      step: money.min(1, 'At least 1'),
      priceRateBp: z.number().int().min(0).max(100_000),
      costRateBp: z.number().int().min(0).max(100_000),
    })
    .strict()
    .refine((c) => c.max >= c.min, { path: ['max'], ...coded('max_below_min', 'Must not be below the minimum') })
    .nullable()
    .optional(),
  /** How to use the code, per language, shown beside it on the buyer's delivery page; left out, kept. */
  instructions: z.object({ en: z.string().max(4000).default(''), zh: z.string().max(4000).default('') }).optional(),
  /** Whether a gift's email carries the code itself (off: the link only); left out, kept. */
  codeInEmail: z.boolean().optional(),
});
export const Create = Editable.extend({
  code: z
    .string()
    .trim()
    .regex(fieldPattern('sku_code', /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { maximum: 64 }), 'Letters, digits, dot, dash or underscore; up to 64'),
  currency: z
    .string()
    .regex(fieldPattern('currency_code', /^[A-Z]{3}$/), 'A three-letter currency code such as CNY')
    .optional(),
});

const Filter = z.object({ id: IdList.optional(), q: z.string().trim().max(100).optional(), fulfilmentMode: z.enum(MODES).optional(), active: z.boolean().optional() }).strict();

type Components = Awaited<ReturnType<typeof loadComponents>>;

export function skuJson(s: SkuRow, components?: Components) {
  const custom = customAmountRule(s);
  return {
    id: s.code,
    code: s.code,
    name: s.name,
    currency: s.currency.trim(),
    faceValue: s.face_value,
    price: s.price,
    cost: s.cost,
    fulfilmentMode: s.fulfilment_mode,
    active: s.active,
    maxPerOrder: s.max_per_order,
    lowStockThreshold: s.low_stock_threshold,
    stockAvailable: promisableUnits(s.fulfilment_mode, s.stock_available),
    supplierFallback: s.supplier_fallback,
    manualEscalateAfterSeconds: s.manual_escalate_after_seconds,
    manualCancelAfterSeconds: s.manual_cancel_after_seconds,
    codesCaseSensitive: s.codes_case_sensitive,
    // Its parts are listed where one product is read (components given); a list shows only the policy.
    bundle:
      s.fulfilment_mode === 'bundle'
        ? {
            policy: s.bundle_policy ?? 'undo',
            components: components?.get(s.id)?.map((c) => ({ sku: c.sku.code, quantity: c.quantity, priceShare: c.priceShare })) ?? [],
          }
        : null,
    customAmount: custom ? { min: custom.min, max: custom.max, step: custom.step, priceRateBp: custom.priceRateBp, costRateBp: custom.costRateBp } : null,
    instructions: instructionsOf(s.usage_instructions),
    codeInEmail: s.code_in_email,
    createdAt: iso(s.created_at),
  };
}

function instructionsOf(stored: unknown): { en: string; zh: string } {
  const i = (stored ?? {}) as { en?: unknown; zh?: unknown };
  return { en: typeof i.en === 'string' ? i.en : '', zh: typeof i.zh === 'string' ? i.zh : '' };
}

/** The buyer-delivery settings as columns, only those given. */
function deliveryColumns(body: Pick<z.infer<typeof Editable>, 'instructions' | 'codeInEmail'>) {
  return {
    ...(body.instructions ? { usage_instructions: JSON.stringify({ en: body.instructions.en.trim(), zh: body.instructions.zh.trim() }) } : {}),
    ...(body.codeInEmail !== undefined ? { code_in_email: body.codeInEmail } : {}),
  };
}

type Fulfilment = Pick<z.infer<typeof Editable>, 'supplierFallback' | 'manualEscalateAfterSeconds' | 'manualCancelAfterSeconds'>;

/** The fulfilment settings as columns, only those given; the cancel deadline must come after the escalation. */
function fulfilmentColumns(body: Fulfilment, stored: { manual_escalate_after_seconds: number; manual_cancel_after_seconds: number }) {
  const escalate = body.manualEscalateAfterSeconds ?? stored.manual_escalate_after_seconds;
  const cancel = body.manualCancelAfterSeconds ?? stored.manual_cancel_after_seconds;
  if (cancel <= escalate) {
    throw invalidInput('validation_failed', 'The request body is invalid', {
      fields: [{ path: 'manualCancelAfterSeconds', ...fieldProblem('cancel_not_after_escalation', 'Must be later than the escalation') }],
    });
  }
  const c: Record<string, unknown> = {
    supplier_fallback: body.supplierFallback,
    manual_escalate_after_seconds: body.manualEscalateAfterSeconds,
    manual_cancel_after_seconds: body.manualCancelAfterSeconds,
  };
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
}

type Shape = Pick<z.infer<typeof Editable>, 'fulfilmentMode' | 'bundle' | 'customAmount' | 'price'>;

/** The bundle and custom face value columns; a bundle's definition checked (orders/bundle-lines.ts). */
function shapeColumns(body: Shape) {
  const fields: FieldRefusal[] = [];
  if (body.fulfilmentMode === 'bundle' && !body.bundle) fields.push({ path: 'bundle', ...fieldProblem('bundle_parts_required', 'A bundle needs its components') });
  if (body.fulfilmentMode !== 'bundle' && body.bundle) fields.push({ path: 'bundle', ...fieldProblem('bundle_parts_not_taken', 'Only a bundle has components') });
  if (body.customAmount && !['topup', 'supplier', 'manual'].includes(body.fulfilmentMode)) {
    fields.push({ path: 'customAmount', ...fieldProblem('custom_amount_not_taken', 'Only top-up, supplier and manual products take a custom face value') });
  }
  if (fields.length) throw invalidInput('validation_failed', 'The request body is invalid', { fields });
  const c = body.customAmount;
  return {
    bundle_policy: body.bundle?.policy ?? null,
    custom_amount_min: c?.min ?? null,
    custom_amount_max: c?.max ?? null,
    custom_amount_step: c?.step ?? null,
    price_rate_bp: c?.priceRateBp ?? null,
    cost_rate_bp: c?.costRateBp ?? null,
  };
}

type Trx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Writes a bundle's components after checking them: they exist, are no bundles, in its currency, and split its price exactly. */
async function writeComponents(trx: Trx, merchantId: string, sku: { id: string; price: number; currency: string }, bundle: z.infer<typeof Editable>['bundle']) {
  await trx('bundle_components').where({ bundle_sku_id: sku.id }).delete();
  if (!bundle) return;
  const found = await trx('skus')
    .where({ merchant_id: merchantId })
    .whereIn(
      'code',
      bundle.components.map((c) => c.sku),
    )
    .select('id', 'code', 'fulfilment_mode', 'currency');
  const byCode = new Map(found.map((s) => [s.code, s]));
  const parts = bundle.components.map((c) => ({ ...c, code: c.sku, sku: byCode.get(c.sku) }));
  const fields = bundleDefinitionProblems(sku, parts);
  if (fields.length) throw invalidInput('validation_failed', 'The request body is invalid', { fields });
  await trx('bundle_components').insert(
    parts.map((p, position) => ({ bundle_sku_id: sku.id, component_sku_id: p.sku!.id, position, quantity: p.quantity, price_share: p.priceShare })),
  );
}

// The database's defaults, for a product created without them.
const DEFAULT_DEADLINES = { manual_escalate_after_seconds: 15 * 60, manual_cancel_after_seconds: 24 * 60 * 60 };

export function adminProductsRouter(deps: { db: Db; maxBodyBytes: number }) {
  const { db } = deps;
  const router = Router();
  const json = jsonBody(deps.maxBodyBytes);

  router.get('/skus', allow('skus', 'list'), async (req, res) => {
    const params = parseListQuery(req.query, {
      sortable: {
        code: 'code',
        id: 'code',
        name: 'name',
        price: 'price',
        cost: 'cost',
        stockAvailable: 'stock_available',
        createdAt: 'created_at',
        fulfilmentMode: 'fulfilment_mode',
      },
      defaultSort: ['code', 'ASC'],
      filter: Filter,
    });
    const f = params.filter;
    const q = db('skus').where({ merchant_id: req.admin!.merchantId }).select('*');
    if (f.id) q.whereIn('code', f.id);
    if (f.q) q.where((w) => w.where('code', 'ilike', `%${escapeLike(f.q!)}%`).orWhere('name', 'ilike', `%${escapeLike(f.q!)}%`));
    if (f.fulfilmentMode) q.where('fulfilment_mode', f.fulfilmentMode);
    if (f.active !== undefined) q.where('active', f.active);
    await sendList(res, db, 'skus', q, params, skuJson);
  });

  router.get('/skus/:sku', allow('skus', 'show'), async (req, res) => {
    const sku = await db('skus')
      .where({ merchant_id: req.admin!.merchantId, code: String(req.params.sku) })
      .first();
    if (!sku) throw notFound('SKU');
    res.json(skuJson(sku, await loadComponents(db, [sku.id])));
  });

  router.post('/skus', allow('skus', 'create'), json, async (req, res) => {
    const body = parseOrThrow(Create, req.body ?? {});
    const merchant = await db('merchants').where({ id: req.admin!.merchantId }).first('currency');
    if (!merchant) throw notFound('Merchant');
    const id = crypto.randomUUID();
    const fulfilment = fulfilmentColumns(body, DEFAULT_DEADLINES);
    const shape = shapeColumns(body);
    try {
      await db.transaction(async (trx) => {
        await trx('skus').insert({
          id,
          merchant_id: req.admin!.merchantId,
          code: body.code,
          name: body.name,
          currency: body.currency ?? merchant.currency,
          face_value: body.faceValue,
          price: body.price,
          cost: body.cost,
          fulfilment_mode: body.fulfilmentMode,
          active: body.active,
          max_per_order: body.maxPerOrder,
          low_stock_threshold: body.lowStockThreshold,
          codes_case_sensitive: body.codesCaseSensitive ?? false,
          ...fulfilment,
          ...shape,
          ...deliveryColumns(body),
        });
        await writeComponents(trx, req.admin!.merchantId, { id, price: body.price, currency: body.currency ?? merchant.currency }, body.bundle);
        await recordAudit(trx, { merchantId: req.admin!.merchantId, actor: userActor(req.admin!.email), action: 'sku.created', target: `sku:${body.code}`, detail: { ...body } });
      });
    } catch (err) {
      if ((err as { constraint?: string }).constraint === 'skus_merchant_id_code_unique') {
        throw new AppError('conflict', 'sku_exists', `A product with code ${body.code} already exists`, {
          fields: [{ path: 'code', ...fieldProblem('code_taken', 'This code is already taken') }],
        });
      }
      throw err;
    }
    const created = await db('skus').where({ id }).first();
    if (!created) throw notFound('SKU');
    res.status(201).json(skuJson(created, await loadComponents(db, [created.id])));
  });

  // react-admin sends the whole record; the fields that cannot change are ignored.
  router.put('/skus/:sku', allow('skus', 'edit'), json, async (req, res) => {
    const body = parseOrThrow(Editable, req.body ?? {});
    const shape = shapeColumns(body);
    const updated = await db.transaction(async (trx) => {
      const stored = await trx('skus')
        .where({ merchant_id: req.admin!.merchantId, code: String(req.params.sku) })
        .forUpdate()
        .first('id', 'manual_escalate_after_seconds', 'manual_cancel_after_seconds', 'codes_case_sensitive');
      if (!stored) throw notFound('SKU');
      // Codes already stored were fingerprinted under the old rule; changing it would let their twins in.
      const caseRuleChanges = body.codesCaseSensitive !== undefined && body.codesCaseSensitive !== stored.codes_case_sensitive;
      if (caseRuleChanges && (await trx('codes').where({ sku_id: stored.id }).first('id'))) {
        throw conflict('codes_case_rule_fixed', 'Whether codes are case-sensitive cannot change once the product has codes', {
          fields: [{ path: 'codesCaseSensitive', ...fieldProblem('fixed_once_codes', 'Fixed once the product has codes') }],
        });
      }
      const [row] = await trx('skus')
        .where({ merchant_id: req.admin!.merchantId, code: String(req.params.sku) })
        .update({
          name: body.name,
          face_value: body.faceValue,
          price: body.price,
          cost: body.cost,
          fulfilment_mode: body.fulfilmentMode,
          active: body.active,
          max_per_order: body.maxPerOrder,
          low_stock_threshold: body.lowStockThreshold,
          ...(body.codesCaseSensitive !== undefined ? { codes_case_sensitive: body.codesCaseSensitive } : {}),
          ...fulfilmentColumns(body, stored),
          ...shape,
          ...deliveryColumns(body),
        })
        .returning('*');
      if (!row) throw notFound('SKU');
      await writeComponents(trx, req.admin!.merchantId, row, body.bundle);
      await recordAudit(trx, { merchantId: req.admin!.merchantId, actor: userActor(req.admin!.email), action: 'sku.updated', target: `sku:${row.code}`, detail: { ...body } });
      return row;
    });
    res.json(skuJson(updated, await loadComponents(db, [updated.id])));
  });

  return router;
}
