/**
 * Oracle-specific report content, as each oracle's kind writes it (a
 * benchmark's noise floor and how many changes were significant, which
 * tests flipped), gathered under one heading per kind of section. Pure.
 */
import type { ReportSection } from '../oracles/descriptor.js';
import { oracleKindOf } from '../oracles/registry.js';
import type { ReportModel } from './model.js';

/** One heading and the blocks the spec's oracles add under it. */
export interface OracleSection {
  heading: string;
  blocks: Pick<ReportSection, 'markdown' | 'html'>[];
}

/** Every oracle's sections, grouped by heading in the kinds' order, each group in spec order. */
export function oracleSections(model: ReportModel): OracleSection[] {
  const groups = new Map<string, { order: number; section: OracleSection }>();
  for (const o of model.spec.oracles) {
    for (const s of oracleKindOf(o).sections?.(model, o) ?? []) {
      let g = groups.get(s.heading);
      if (!g) groups.set(s.heading, (g = { order: s.order, section: { heading: s.heading, blocks: [] } }));
      g.section.blocks.push({ markdown: s.markdown, html: s.html });
    }
  }
  return [...groups.values()].sort((a, b) => a.order - b.order).map((g) => g.section);
}
