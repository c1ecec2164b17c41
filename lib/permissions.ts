// Who may do what, in one pure function shared by the admin API (the real gate) and the console
// (which hides what a role cannot use). Resources are the console's resource names; actions are
// react-admin's (list, show, create, edit) plus the business actions named here. Least privilege:
// a role reads only what its work needs; README's role table says the same in words (and
// test/security-auth.test.ts checks every role against the real API).

export const ROLES = ['owner', 'operator', 'support', 'finance', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const everyone: readonly Role[] = ROLES;
const managers: readonly Role[] = ['owner', 'operator'];
const caretakers: readonly Role[] = ['owner', 'operator', 'support'];

const RULES: Record<string, Record<string, readonly Role[]>> = {
  dashboard: { show: everyone },
  orders: {
    list: everyone,
    show: everyone,
    retry: caretakers,
    resend: caretakers,
    // Enter the codes or top-up receipts of an order waiting for manual fulfilment.
    fulfil: caretakers,
    cancel: caretakers,
    // Money goes back to a buyer: support handles disputes, finance corrects the books.
    refund: ['owner', 'operator', 'support', 'finance'],
    // A held order's risk review, decided from the order itself (same rule as reviews.decide).
    approve: caretakers,
    reject: caretakers,
    // Temporal's own UI is a developer's screen (English, with Reset and Terminate): for those
    // who run the system, not for support or viewers.
    workflow: managers,
  },
  // Bulk orders hand over thousands of codes in one file: only those who may reveal codes download it.
  'bulk-orders': { list: everyone, show: everyone, create: managers, download: managers, tiers: managers },
  stock: { list: everyone, show: everyone, import: managers },
  batches: { list: everyone, show: everyone },
  codes: { list: everyone, show: everyone, reveal: managers, void: managers },
  skus: { list: everyone, show: everyone, create: managers, edit: managers },
  // E-gift designs buyers choose from: kept by those who keep the products.
  'gift-templates': { list: everyone, show: everyone, create: managers, edit: managers },
  // Supplier credentials are write-only; reading a supplier shows only whether they are set.
  // Terms and money paid to suppliers are the books: the owner and finance keep them.
  suppliers: { list: everyone, show: everyone, create: managers, edit: managers, refresh: managers, terms: ['owner', 'finance'], pay: ['owner', 'finance'] },
  alerts: { list: everyone, show: everyone },
  // Manual tasks show buyers' top-up accounts: for those who fulfil by hand only. The same rule
  // hides those accounts in the order view from everyone else.
  'manual-tasks': { list: caretakers, show: caretakers },
  // Orders stopped for a person; acting on them needs the order's own permissions.
  'needs-attention': { list: everyone, show: everyone },
  // Storefronts hold webhook URLs; the order view shows an order's only to these roles too.
  storefronts: { list: caretakers, show: caretakers, create: managers, edit: managers, keys: managers, secret: managers },
  'webhook-attempts': { list: caretakers, show: caretakers, replay: caretakers },
  // Who is told of alerts, by email and chat bot (the webhook URL holds a bot's token): those who run the shop.
  'notification-settings': { list: managers, edit: managers },
  'audit-log': { list: ['owner', 'operator', 'finance'], show: ['owner', 'operator', 'finance'] },
  // The ledger's periods: closing a month is the owner's or finance's (docs/MONEY.md).
  'ledger-periods': { list: ['owner', 'operator', 'finance'], close: ['owner', 'finance'] },
  // Supplier statements and reconciliation: finance's work, with the owner; operators may look and
  // run one, but importing a statement and resolving a difference (which may post to the ledger) are the books'.
  reconciliation: { list: ['owner', 'operator', 'finance'], run: ['owner', 'operator', 'finance'], import: ['owner', 'finance'], resolve: ['owner', 'finance'] },
  // Reports show the business's money: those who run it and finance. Rates for the reporting
  // currency are the books': the owner and finance enter them.
  reports: { list: ['owner', 'operator', 'finance'] },
  'reporting-rates': { list: ['owner', 'operator', 'finance'], create: ['owner', 'finance'] },
  users: { list: ['owner'], show: ['owner'], create: ['owner'], edit: ['owner'] },
  // Everyone makes and revokes their own admin tokens (a token has its user's role); the owner
  // sees and revokes everyone's (users.edit).
  'admin-tokens': { list: everyone, create: everyone, delete: everyone },
  // Risk control: everyone may see why orders are held; support decides reviews; the rules,
  // lists and thresholds belong to those who run the shop.
  reviews: { list: everyone, show: everyone, decide: caretakers },
  'risk-assessments': { list: everyone, show: everyone },
  'risk-rules': { list: everyone, show: everyone, create: managers, edit: managers, delete: managers },
  'risk-settings': { show: everyone, edit: managers },
  'risk-lists': { list: everyone, show: everyone, create: managers, edit: managers, delete: managers },
};

export function canAccess(role: Role | undefined, request: { resource: string; action: string }): boolean {
  if (!role) return false;
  return RULES[request.resource]?.[request.action]?.includes(role) ?? false;
}

/** The roles allowed an action, for error messages. */
export function rolesFor(resource: string, action: string): readonly Role[] {
  return RULES[resource]?.[action] ?? [];
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
