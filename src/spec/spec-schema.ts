/**
 * The schema baton.yaml is validated with: Spec, plus the oracle kinds the
 * registry has beyond the spec's static union (kinds a test registers).
 */
import { extraKinds } from '../oracles/registry.js';
import { type Spec, specSchemaWith } from './schema.js';

/** Spec, or Spec with the registry's extra kinds in its `oracles` union (built afresh: registrations come and go). */
export function specSchema(): typeof Spec {
  return specSchemaWith(extraKinds().map((d) => d.schema));
}
