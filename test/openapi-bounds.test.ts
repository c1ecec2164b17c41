import { adminDocument } from '../api/openapi/admin-document';
import { fieldProblemOf } from '../lib/field-codes';
import { RiskSettingsSchema } from '../risk/rules';

// Duration fields (rule windows, the review timeout, manual deadlines) are bounded by refinements
// so that a refusal names its bound as a duration (lib/duration-field.ts); the admin API's OpenAPI
// document must still tell a client those bounds, which a refinement alone does not.

/** Every schema the document gives a property of this name, wherever it sits. */
function propertySchemas(node: unknown, name: string, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(node)) node.forEach((n) => propertySchemas(n, name, out));
  else if (typeof node === 'object' && node !== null) {
    const properties = (node as { properties?: Record<string, Record<string, unknown>> }).properties;
    if (properties?.[name]) out.push(properties[name]);
    Object.values(node).forEach((n) => propertySchemas(n, name, out));
  }
  return out;
}

describe('the admin OpenAPI document', () => {
  const document = adminDocument();

  it.each([
    ['a velocity rule’s window', 'windowSeconds', 1, 7 * 86_400],
    ['the review timeout', 'reviewTimeoutSeconds', 1, 30 * 86_400],
    ['a manual order’s escalation deadline', 'manualEscalateAfterSeconds', 60, 30 * 86_400],
    ['a manual order’s cancel deadline', 'manualCancelAfterSeconds', 60, 30 * 86_400],
  ])('when it describes %s, then it states its minimum and maximum', (_what, name, minimum, maximum) => {
    const found = propertySchemas(document, name);
    // Positive control: the field is in the document at all.
    expect(found.length).toBeGreaterThan(0);
    for (const schema of found) expect(schema).toMatchObject({ type: 'integer', minimum, maximum });
  });

  it('then a duration out of its bounds is still refused with its coded field message', () => {
    const refused = RiskSettingsSchema.safeParse({ reviewTimeoutSeconds: 31 * 86_400 });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues.map(fieldProblemOf)).toEqual([{ code: 'duration_too_long', params: { maximumSeconds: 30 * 86_400 } }]);
  });
});
