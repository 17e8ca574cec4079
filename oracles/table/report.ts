/**
 * The table oracle's part of the report: the units a spec gives a table's x
 * and columns, and one error-vs-x chart per compared column (baseline, best
 * and latest series). Pure.
 */
import type { ChartContext, ChartContribution } from '../../src/oracles/descriptor.js';
import type { RoleSeries } from '../../src/report/error-chart.js';
import { errorSpec } from '../../src/report/error-chart.js';
import { slug } from '../../src/report/format.js';
import type { ReportModel } from '../../src/report/model.js';
import type { TableOracleSpec } from '../../src/spec/schema.js';

/** The units of a table oracle's x and one of its columns, as the spec gives them. */
export function tableUnits(spec: TableOracleSpec, table: string, column: string): { x?: string; column?: string } {
  const t = spec.tables.find((x) => x.name === table);
  return { x: t?.x_unit, column: t?.units?.[column] };
}

/** A table's absolute errors carry the column's unit, `x_at_*` the x unit; relative errors and counts have none. */
export function tableMetricUnit(spec: TableOracleSpec, parts: string[]): string | undefined {
  if (parts.length !== 3) return undefined;
  const [table, column, stat] = parts;
  const u = tableUnits(spec, table, column);
  if (stat.startsWith('x_at_')) return u.x;
  if (/(^|_)abs$/.test(stat)) return u.column;
  return undefined;
}

/** One error-vs-x chart per compared column that has series. */
export function tableCharts(model: ReportModel, o: TableOracleSpec, ctx: ChartContext): ChartContribution[] {
  const { series, detail } = ctx;
  const names: string[] = [];
  for (const s of series) if (s.request.oracle === o.id && !names.includes(s.request.name)) names.push(s.request.name);
  return names.map((name) => {
    const lines: RoleSeries[] = series
      .filter((s) => s.request.oracle === o.id && s.request.name === name)
      .map((s) => ({ role: s.request.role, iteration: s.request.iteration, series: s.series }));
    const first = lines[0]?.series;
    // plot the error the thresholds speak about: relative unless only max_abs has one
    const metric = (stat: string) => (first ? model.metrics.find((mm) => mm.name === `${o.id}.${first.table}.${first.column}.${stat}`) : undefined);
    const rel = metric('max_rel');
    const abs = metric('max_abs');
    const onlyAbs = first?.points.every((p) => p.rel === null);
    const quantity = (abs && !rel) || onlyAbs ? 'abs' : 'rel';
    const threshold = (quantity === 'abs' ? abs : rel)?.threshold;
    return {
      kind: 'error',
      section: 'Error vs x',
      subject: o.id,
      file: `error-${slug(o.id)}-${slug(name)}`,
      title: `${o.id}.${name}: error vs x`,
      spec: errorSpec(o.id, lines, threshold, quantity, detail, first ? tableUnits(o, first.table, first.column) : {}),
    };
  });
}
