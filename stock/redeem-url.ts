// A code's redemption link reaches the buyer through the storefront, which may render it as a
// link: only https is accepted, so a `javascript:` or `data:` URL (or a plain-http one a network
// could rewrite) never gets that far. Every code with a link is stored through this rule
// (manual entry and supplier purchases alike).

/** Why this redemption URL is refused, or undefined. */
export function redeemUrlRefusal(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (parsed.protocol !== 'https:') return 'a redemption URL must be https';
  if (parsed.username || parsed.password) return 'a redemption URL must not carry credentials';
  return undefined;
}
