import type { Db } from '../db';
import type { SupplierRow } from '../db/tables';
import type { CodeVault } from '../lib/code-vault';
import type { OutboundHttp } from '../lib/outbound-http';
import type { AdapterFactory, SupplierAdapter } from './adapter';
import { cardflowSimAdapter } from './adapters/cardflow-sim';
import { dujiaoNextAdapter } from './adapters/dujiao-next';
import { fuluAdapter } from './adapters/fulu';
import { reloadlyAdapter } from './adapters/reloadly';
import { openSupplierCredentials } from './credentials';
import { recordCallFailure } from './call-failures';
import { meteredAdapter } from './metered-adapter';

// Adding a real supplier: write suppliers/adapters/<name>.ts implementing SupplierAdapter and
// list it here; a supplier row with adapter = '<name>' then uses it.
export const ADAPTERS: Record<string, AdapterFactory> = {
  'cardflow-sim': cardflowSimAdapter,
  'dujiao-next': dujiaoNextAdapter,
  reloadly: reloadlyAdapter,
  fulu: fuluAdapter,
};

/** Builds adapters from supplier rows, once per version of the row (credentials decrypted once). */
export class SupplierRegistry {
  private readonly cache = new Map<string, { version: number; adapter: SupplierAdapter }>();

  constructor(
    private readonly db: Db,
    private readonly vault: CodeVault,
    private readonly outbound: OutboundHttp,
  ) {}

  async adapterFor(supplierId: string): Promise<{ supplier: SupplierRow; adapter: SupplierAdapter }> {
    const row = await this.db('suppliers').where({ id: supplierId }).first();
    if (!row) throw new Error(`supplier ${supplierId} does not exist`);
    if (row.kind !== 'api') throw new Error(`supplier ${row.name} has no API`);
    // An API supplier has both (suppliers_api_is_configured, migration 002).
    if (!row.adapter || !row.base_url) throw new Error(`supplier ${row.name} has no adapter or address`);
    const version = row.updated_at.getTime();
    const cached = this.cache.get(supplierId);
    if (cached && cached.version === version) return { supplier: row, adapter: cached.adapter };
    const factory = ADAPTERS[row.adapter];
    if (!factory) throw new Error(`supplier ${row.name} uses adapter "${row.adapter}", which this build does not have`);
    const adapter = meteredAdapter(
      row.name,
      factory({ baseUrl: row.base_url, credentials: openSupplierCredentials(this.vault, row), timeoutMs: row.timeout_ms, http: this.outbound }),
      // Recording is for people; a write that fails must not turn the supplier's answer into another error.
      (operation, err) => recordCallFailure(this.db, supplierId, operation, err).catch(() => undefined),
    );
    this.cache.set(supplierId, { version, adapter });
    return { supplier: row, adapter };
  }
}
