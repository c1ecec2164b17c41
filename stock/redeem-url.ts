import { fieldProblem, type FieldProblem } from '../lib/field-codes';

// A code's redemption link reaches the buyer through the storefront, which may render it as a
// link: only https is accepted, so a `javascript:` or `data:` URL (or a plain-http one a network
// could rewrite) never gets that far. Every code with a link is stored through this rule
// (manual entry and supplier purchases alike).

/** Why this redemption URL is refused (a field refusal, for manual entry's form), or undefined. */
export function redeemUrlRefusal(url: string): FieldProblem | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fieldProblem('not_a_url', 'not a URL');
  }
  if (parsed.protocol !== 'https:') return fieldProblem('https_only', 'a redemption URL must be https');
  if (parsed.username || parsed.password) return fieldProblem('credentials_in_url', 'a redemption URL must not carry credentials');
  return undefined;
}
