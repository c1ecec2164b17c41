import type { Db } from '../db';
import type { CodeVault } from '../lib/code-vault';
import { conflict, invalidInput, notFound } from '../lib/errors';
import { fieldProblem, type FieldRefusal } from '../lib/field-codes';
import { sealSupplierCredentials } from './credentials';
import { ADAPTERS } from './registry';

// Creating and changing suppliers and a SKU's routes. Used by the admin API, the demo seed and
// tests. Credentials are sealed on the way in and never read back out.

export interface SupplierInput {
  name: string;
  kind: 'api' | 'manual';
  adapter?: string;
  baseUrl?: string;
  currency?: string;
  credentials?: Record<string, string>;
  active?: boolean;
  timeoutMs?: number;
  rateLimitPerSecond?: number | null;
  lowBalanceThreshold?: number | null;
  circuitFailureThreshold?: number;
  circuitCooldownSeconds?: number;
}

const nameTaken = fieldProblem('name_taken', 'Another supplier has this name');

export async function createSupplier(db: Db, vault: CodeVault, merchantId: string, input: SupplierInput): Promise<string> {
  const id = crypto.randomUUID();
  if (input.kind === 'api') {
    const missing = (['adapter', 'baseUrl', 'currency', 'credentials'] as const).filter((f) => input[f] === undefined);
    if (missing.length)
      throw invalidInput('validation_failed', `An API supplier needs ${missing.join(', ')}`, {
        fields: missing.map((path) => ({ path, ...fieldProblem('required_for_api', 'required for an API supplier') })),
      });
  }
  checkAdapter(input.adapter);
  const sealed = input.credentials ? sealSupplierCredentials(vault, id, input.credentials) : undefined;
  try {
    await db('suppliers').insert({ id, merchant_id: merchantId, ...columns(input), credentials_key_id: sealed?.keyId ?? null, credentials: sealed?.payload ?? null });
  } catch (err) {
    if ((err as { code?: string }).code === '23505')
      throw conflict('supplier_exists', `A supplier named ${input.name} already exists`, { fields: [{ path: 'name', ...nameTaken }] });
    throw err;
  }
  return id;
}

export async function updateSupplier(db: Db, vault: CodeVault, merchantId: string, id: string, input: Partial<SupplierInput>): Promise<void> {
  const row = await db('suppliers').where({ id, merchant_id: merchantId }).first('id', 'kind', 'currency');
  if (!row) throw notFound('Supplier');
  checkAdapter(input.adapter);
  await checkRoutesStillValid(db, row, input);
  const sealed = input.credentials ? sealSupplierCredentials(vault, id, input.credentials) : undefined;
  try {
    await db('suppliers')
      .where({ id })
      .update({ ...columns(input), ...(sealed ? { credentials_key_id: sealed.keyId, credentials: sealed.payload } : {}), updated_at: db.fn.now() });
  } catch (err) {
    const e = err as { code?: string; constraint?: string };
    if (e.code === '23505') throw conflict('supplier_exists', `A supplier named ${input.name} already exists`, { fields: [{ path: 'name', ...nameTaken }] });
    if (e.constraint === 'suppliers_api_is_configured') {
      throw invalidInput('validation_failed', 'An API supplier needs an adapter, base URL, currency and credentials', {
        fields: ['adapter', 'baseUrl', 'currency', 'credentials'].map((path) => ({ path, ...fieldProblem('required_for_api', 'required for an API supplier') })),
      });
    }
    throw err;
  }
}

/** Routes promise SKUs an API supplier selling in their currency; a change must keep that true. */
async function checkRoutesStillValid(db: Db, row: { id: string; kind: string; currency: string | null }, input: Partial<SupplierInput>) {
  const changesKind = input.kind !== undefined && input.kind !== row.kind;
  const changesCurrency = input.currency !== undefined && input.currency !== row.currency?.trim();
  if (!changesKind && !changesCurrency) return;
  const routed = await db('sku_supplier_routes as r').join('skus as s', 's.id', 'r.sku_id').where('r.supplier_id', row.id).pluck('s.code');
  if (routed.length === 0) return;
  const field = changesKind ? 'kind' : 'currency';
  throw invalidInput('validation_failed', `Routes of ${routed.join(', ')} buy from this supplier; remove them before changing its ${field}`, {
    fields: [{ path: field, ...fieldProblem('used_by_routes', `used by the routes of ${routed.join(', ')}`, { skus: routed.join(', ') }) }],
  });
}

function checkAdapter(adapter: string | undefined) {
  if (adapter !== undefined && !ADAPTERS[adapter]) {
    throw invalidInput('validation_failed', `Unknown adapter "${adapter}"`, {
      fields: [{ path: 'adapter', ...fieldProblem('one_of', `one of: ${Object.keys(ADAPTERS).join(', ')}`, { values: Object.keys(ADAPTERS).join(', ') }) }],
    });
  }
}

function columns(input: Partial<SupplierInput>) {
  const c: Record<string, unknown> = {
    name: input.name,
    kind: input.kind,
    adapter: input.adapter,
    base_url: input.baseUrl,
    currency: input.currency,
    active: input.active,
    timeout_ms: input.timeoutMs,
    rate_limit_per_second: input.rateLimitPerSecond,
    low_balance_threshold: input.lowBalanceThreshold,
    circuit_failure_threshold: input.circuitFailureThreshold,
    circuit_cooldown_seconds: input.circuitCooldownSeconds,
  };
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
}

export interface RouteInput {
  supplierId: string;
  supplierProduct: string;
  maxUnitCost: number;
  active?: boolean;
}

/** Replaces a SKU's routes with an ordered list (first = tried first). */
export async function setRoutes(db: Db, merchantId: string, skuCode: string, routes: RouteInput[]): Promise<void> {
  await db.transaction(async (trx) => {
    const sku = await trx('skus').where({ merchant_id: merchantId, code: skuCode }).forUpdate().first('id', 'currency');
    if (!sku) throw notFound('SKU');
    const suppliers = await trx('suppliers')
      .where({ merchant_id: merchantId })
      .whereIn(
        'id',
        routes.map((r) => r.supplierId),
      )
      .select('id', 'kind', 'currency', 'name');
    const byId = new Map(suppliers.map((s) => [s.id, s]));
    const fields: FieldRefusal[] = [];
    routes.forEach((r, i) => {
      const s = byId.get(r.supplierId);
      const path = `routes.${i}.supplierId`;
      if (!s) fields.push({ path, ...fieldProblem('unknown_supplier', 'no such supplier') });
      else if (s.kind !== 'api') fields.push({ path, ...fieldProblem('supplier_without_api', `${s.name} has no API to buy from`, { supplier: s.name }) });
      else if (s.currency !== sku.currency) {
        const [currency, expected] = [String(s.currency).trim(), sku.currency.trim()];
        fields.push({ path, ...fieldProblem('other_currency', `${s.name} sells in ${s.currency}; this SKU is priced in ${sku.currency}`, { currency, expected }) });
      }
    });
    if (fields.length) throw invalidInput('validation_failed', 'Some routes are invalid', { fields });
    await trx('sku_supplier_routes').where({ sku_id: sku.id }).delete();
    if (routes.length) {
      await trx('sku_supplier_routes').insert(
        routes.map((r, i) => ({
          id: crypto.randomUUID(),
          sku_id: sku.id,
          supplier_id: r.supplierId,
          priority: i + 1,
          supplier_product: r.supplierProduct,
          max_unit_cost: r.maxUnitCost,
          active: r.active ?? true,
        })),
      );
    }
  });
}
