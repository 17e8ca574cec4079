/**
 * What model tokens cost: a built-in table of Claude prices (USD per million
 * tokens) that `worker.pricing` in baton.yaml overrides model by model.
 * Pure. Cache writes are priced at the 5-minute TTL rate, the one baton asks for.
 */
import { UserError } from '../errors.js';
import type { Usage } from '../ledger/record.js';

/** USD per million tokens, as baton.yaml's `worker.pricing` writes them. */
export interface Price {
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
}

/** A price with an optional higher tier for long prompts (input + cache read + cache write tokens above `above`). */
export interface TieredPrice extends Price {
  longPrompt?: { above: number } & Price;
}

const p = (input: number, output: number, cache_write: number, cache_read: number): Price => ({ input, output, cache_read, cache_write });

/**
 * Built-in prices, from platform.claude.com/docs/en/about-claude/pricing and
 * the model overview pages as of November 2026. Prices change: override them
 * in baton.yaml (`worker.pricing`) rather than trusting this table for billing.
 */
export const DEFAULT_PRICES: Readonly<Record<string, TieredPrice>> = {
  'claude-fable-5-2': p(10, 50, 12.5, 0.25),
  'claude-mythos-5-2': p(10, 50, 12.5, 0.25),
  'claude-fable-5-1': p(10, 50, 12.5, 0.25),
  'claude-mythos-5-1': p(10, 50, 12.5, 0.25),
  'claude-fable-5': p(10, 50, 12.5, 1),
  'claude-mythos-5': p(10, 50, 12.5, 1),
  'claude-opus-5-5': p(4, 20, 5, 0.2),
  'claude-opus-5': p(5, 25, 6.25, 0.5),
  'claude-opus-4-8': p(5, 25, 6.25, 0.5),
  'claude-opus-4-7': p(5, 25, 6.25, 0.5),
  'claude-opus-4-6': p(5, 25, 6.25, 0.5),
  'claude-opus-4-5': p(5, 25, 6.25, 0.5),
  'claude-opus-4-1': p(15, 75, 18.75, 1.5),
  'claude-opus-4-0': p(15, 75, 18.75, 1.5),
  'claude-sonnet-5-5': p(2, 10, 2.5, 0.1),
  'claude-sonnet-5': p(2, 10, 2.5, 0.2),
  'claude-sonnet-4-6': p(3, 15, 3.75, 0.3),
  'claude-sonnet-4-5': { ...p(3, 15, 3.75, 0.3), longPrompt: { above: 200_000, ...p(6, 22.5, 7.5, 0.6) } },
  'claude-sonnet-4-0': { ...p(3, 15, 3.75, 0.3), longPrompt: { above: 200_000, ...p(6, 22.5, 7.5, 0.6) } },
  'claude-haiku-5-5': { ...p(0.1, 0.5, 0.125, 0.01), longPrompt: { above: 100_000, ...p(0.5, 2.5, 0.625, 0.05) } },
  'claude-haiku-4-5': p(1, 5, 1.25, 0.1),
  'claude-3-5-haiku': p(0.8, 4, 1, 0.08),
  'claude-3-haiku': p(0.25, 1.25, 0.3, 0.03),
};

/** The table's key for a model id: dated snapshots (`-20251001`) and `-latest` share their family's price. */
export function priceKey(model: string): string {
  const base = model.replace(/-(\d{8}|latest)$/, '');
  return base === 'claude-opus-4' || base === 'claude-sonnet-4' ? `${base}-0` : base;
}

/** The price of `model`: the spec's override first (exact id, then family), then the built-in table. */
export function priceOf(model: string, overrides: Record<string, Price> = {}): TieredPrice | undefined {
  return overrides[model] ?? overrides[priceKey(model)] ?? DEFAULT_PRICES[model] ?? DEFAULT_PRICES[priceKey(model)];
}

/** Like priceOf, but a model without a price is the user's to fix: budgets cannot be enforced without one. */
export function requirePrice(model: string, overrides: Record<string, Price> = {}, where = 'worker.pricing'): TieredPrice {
  const price = priceOf(model, overrides);
  if (price) return price;
  throw new UserError(
    `baton has no price for the model "${model}", so it cannot count what a session costs or enforce budget.usd. ` +
      `Add one in baton.yaml under ${where}, e.g.\n  ${where}:\n    ${model}: { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 }   # USD per million tokens`,
    { code: 'BATON_SPEC_INVALID', context: { model } },
  );
}

/** The USD cost of one model turn's usage (one request: the long-prompt tier applies to the whole request). */
export function costOf(usage: Omit<Usage, 'usd'>, price: TieredPrice): number {
  const prompt = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
  const rate: Price = price.longPrompt && prompt > price.longPrompt.above ? price.longPrompt : price;
  return (
    (usage.inputTokens * rate.input + usage.outputTokens * rate.output + usage.cacheReadTokens * rate.cache_read + usage.cacheWriteTokens * rate.cache_write) /
    1_000_000
  );
}
