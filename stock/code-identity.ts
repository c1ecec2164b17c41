// When two codes are the same code. Pure (no keys, no database), so the console's import check
// runs it in the browser and agrees with the server. A code's identity is what its fingerprint
// is made from (stock/code-secret.ts): the card number only, because the same card number with
// another PIN is still the same card.

/** Characters that print as nothing: a code copied from a web page or a chat can carry them. */
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/g;

/**
 * The code as it should be stored and delivered: Unicode NFKC (full-width letters and digits
 * become ASCII), invisible characters removed, surrounding spaces trimmed.
 */
export function cleanCode(text: string): string {
  return text.normalize('NFKC').replace(INVISIBLE, '').trim();
}

/**
 * The identity a code is stored under. Codes are case-insensitive unless their SKU says
 * otherwise; the prefix keeps the two kinds apart, so a case-sensitive SKU can hold `abc` and `ABC`.
 */
export function codeIdentity(number: string, caseSensitive: boolean): string {
  const clean = cleanCode(number);
  return caseSensitive ? `s:${clean}` : `i:${clean.toLowerCase()}`;
}

/**
 * The identities a code held by a SKU of the other kind would be stored under if it were this
 * code: for a case-sensitive SKU, any case-insensitive SKU holding it in any case; for a
 * case-insensitive one, a case-sensitive SKU holding it exactly as written.
 */
export function codeIdentitiesOfOtherKind(number: string, caseSensitive: boolean): string {
  return codeIdentity(number, !caseSensitive);
}
