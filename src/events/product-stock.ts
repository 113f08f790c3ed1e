// Emits product.out_of_stock / product.back_in_stock around a stock change. Every path that
// changes a product's sellable stock (inventory patch and sync, reservations, availability
// batches, orders holding or shipping units) measures the product before, changes it, and calls
// the returned function; src/domain/product-stock.ts decides whether that was a transition.
import { productStockEvent, sellableStock } from '../domain/product-stock.ts';
import type { Product } from '../domain/types.ts';
import type { EventBus } from './bus.ts';

/** Call before changing `product`'s stock; call what it returns after, with the change's time. */
export function watchProductStock(events: EventBus, tenantId: string, product: Product | undefined | null): (at: Date) => void {
  if (!product) return () => {};
  const before = sellableStock(product);
  return (at) => {
    const type = productStockEvent(before, sellableStock(product));
    if (type) events.emit(tenantId, type, structuredClone(product), at);
  };
}
