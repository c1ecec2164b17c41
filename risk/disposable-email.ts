import { emailDomain } from './signals';

// Throwaway-mailbox providers, from the disposable-email-domains package (about 120,000
// domains, kept up to date by its community). Loaded on first use: most checks never need it.
let domains: Set<string> | undefined;
let wildcards: string[] | undefined;

export function isDisposableEmail(email: string): boolean {
  if (!domains) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    domains = new Set(require('disposable-email-domains') as string[]);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    wildcards = require('disposable-email-domains/wildcard.json') as string[];
  }
  const domain = emailDomain(email);
  return domains.has(domain) || wildcards!.some((w) => domain === w || domain.endsWith(`.${w}`));
}
