import { SearchAttributeType } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { orderSearchAttributes } from '../workflows/search-attributes';

// temporal.api.enums.v1.IndexedValueType (the proto package is not a direct dependency).
const INDEXED_KEYWORD = 2;
const INDEXED_KEYWORD_LIST = 7;

// Order workflows tag themselves with search attributes, and Temporal fails a workflow task
// that uses one the namespace does not know. So every worker makes sure they exist at start
// (the dev server registers them itself; on a cluster the first worker does, once).
export async function ensureOrderSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const operator = client.connection.operatorService;
  const known = await operator.listSearchAttributes({ namespace });
  const missing = Object.values(orderSearchAttributes).filter((key) => !(key.name in (known.customAttributes ?? {})));
  if (missing.length === 0) return [];
  await operator.addSearchAttributes({ namespace, searchAttributes: indexedTypes(missing) });
  return missing.map((key) => key.name);
}

/** The order search attributes as OperatorService.addSearchAttributes takes them (name → indexed type). */
export function indexedTypes(keys = Object.values(orderSearchAttributes)): Record<string, number> {
  return Object.fromEntries(keys.map((key) => [key.name, key.type === SearchAttributeType.KEYWORD_LIST ? INDEXED_KEYWORD_LIST : INDEXED_KEYWORD]));
}
