import type { Knex } from 'knex';
import { replaceStatusCheck } from './003_risk_control';

// Orders that stopped where a person must look (issue 11 §4): a step broke an invariant or ran
// out of retries. The order is `needs_attention` and says which step, what broke (a message
// code with params, never a code or secret) and the status it had, which a support action
// (retry, fulfil by hand, refund) resumes from.

export async function up(knex: Knex): Promise<void> {
  // A set union, so another migration adding the same status is harmless.
  await replaceStatusCheck(knex, (statuses) => [...new Set([...statuses, 'needs_attention'])]);
  await knex.schema.alterTable('orders', (t) => {
    // { step, code, params, previousStatus, since, supplierIds }; null when nothing is wrong.
    t.jsonb('attention');
  });
  // The "Needs attention" queue reads these, oldest first.
  await knex.raw(`CREATE INDEX orders_needs_attention_idx ON orders (merchant_id, updated_at) WHERE status = 'needs_attention'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP INDEX orders_needs_attention_idx`);
  await knex.raw(`UPDATE orders SET status = attention->>'previousStatus' WHERE status = 'needs_attention'`);
  await knex.schema.alterTable('orders', (t) => t.dropColumn('attention'));
  await replaceStatusCheck(knex, (statuses) => statuses.filter((s) => s !== 'needs_attention'));
}
