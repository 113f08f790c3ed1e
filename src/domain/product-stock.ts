// Whether a product can be bought at all, and when a stock change is worth telling the partner
// about: a product sells out (its sellable stock falls from above 0 to 0) or is back in stock
// (from 0 to above 0). Plain data in and out; the callers emit the events.
import type { Product } from './types.ts';

export type ProductStockEvent = 'product.out_of_stock' | 'product.back_in_stock';

/**
 * Units a shopper can buy: a product without variants sells its own `availability.in_stock`, a
 * product with variants sells its variants' (the sum of theirs). Visibility (`status`) is not
 * stock: a hidden product that still has units is not out of stock.
 */
export function sellableStock(product: Pick<Product, 'availability' | 'variants'>): number {
  if (product.variants.length === 0) return product.availability.in_stock;
  return product.variants.reduce((sum, v) => sum + v.availability.in_stock, 0);
}

/** The event a change of sellable stock from `before` to `after` causes, if any. */
export function productStockEvent(before: number, after: number): ProductStockEvent | null {
  if (before > 0 && after === 0) return 'product.out_of_stock';
  if (before === 0 && after > 0) return 'product.back_in_stock';
  return null;
}
