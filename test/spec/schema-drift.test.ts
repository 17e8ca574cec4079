import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { specJsonSchema } from '../../src/spec/schema.js';
import { ROOT } from '../helpers/tmp.js';

describe('baton.schema.json', () => {
  it('is what `baton schema` generates from the zod schema (run `npm run schema` after changing it)', () => {
    const committed = JSON.parse(fs.readFileSync(path.join(ROOT, 'baton.schema.json'), 'utf8'));
    expect(committed).toEqual(specJsonSchema());
  });

  it('describes the keys users write, with durations as strings', () => {
    const schema = specJsonSchema() as any;
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'goal', 'oracles', 'thresholds']));
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.budget.properties.time.type).toBe('string');
  });
});
