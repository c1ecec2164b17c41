import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// The order workflow's search attributes: Temporal's list (`temporal workflow list --query`,
// the Web UI) can find orders by them, e.g. "stuck in purchasing for supplier X"
// (docs/OPERATIONS.md#finding-orders-in-temporal). Registered on the dev server at start
// (scripts/temporal-dev-server.ts); a real cluster registers them once with
// `temporal operator search-attribute create`.

export const orderSearchAttributes = {
  status: defineSearchAttributeKey('CardflowStatus', SearchAttributeType.KEYWORD),
  step: defineSearchAttributeKey('CardflowStep', SearchAttributeType.KEYWORD),
  merchant: defineSearchAttributeKey('CardflowMerchant', SearchAttributeType.KEYWORD),
  storefront: defineSearchAttributeKey('CardflowStorefront', SearchAttributeType.KEYWORD),
  sku: defineSearchAttributeKey('CardflowSku', SearchAttributeType.KEYWORD_LIST),
  supplier: defineSearchAttributeKey('CardflowSupplier', SearchAttributeType.KEYWORD_LIST),
};

/** The dev server's arguments that register them (`temporal server start-dev --search-attribute Name=Type`). */
export const devServerSearchAttributeArgs = (): string[] =>
  Object.values(orderSearchAttributes).flatMap((key) => ['--search-attribute', `${key.name}=${key.type === SearchAttributeType.KEYWORD_LIST ? 'KeywordList' : 'Keyword'}`]);
