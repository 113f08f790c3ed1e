// Stock rules over plain data: per-location quantities, reservations that never oversell, and
// the thresholds that make an update worth a low-stock or out-of-stock event.
import type { InventoryItem, Product, Reservation } from './types.ts';

export type StockSignal = 'inventory.updated' | 'inventory.low_stock' | 'inventory.out_of_stock';

function recompute(item: InventoryItem): void {
  item.quantity = item.locations.reduce((sum, l) => sum + l.quantity, 0);
  item.available = Math.max(0, item.quantity - item.reserved);
}

/**
 * Sets the quantity at one location. Returns the events the change causes: always
 * inventory.updated when something changed, plus crossing into low or zero availability.
 */
export function setStock(item: InventoryItem, location: string, quantity: number, now: string): StockSignal[] {
  const before = item.available;
  const at = item.locations.find((l) => l.location_id === location);
  if (at?.quantity === quantity) return [];
  if (at) at.quantity = quantity;
  else item.locations.push({ location_id: location, quantity });
  recompute(item);
  item.updated_at = now;
  return stockSignals(before, item);
}

export function stockSignals(availableBefore: number, item: InventoryItem): StockSignal[] {
  const signals: StockSignal[] = ['inventory.updated'];
  if (item.available === 0 && availableBefore > 0) signals.push('inventory.out_of_stock');
  else if (item.available > 0 && item.available <= item.low_stock_threshold && availableBefore > item.low_stock_threshold) {
    signals.push('inventory.low_stock');
  }
  return signals;
}

/** Takes `quantity` out of what is available, or says how much there is. Never oversells. */
export function reserve(item: InventoryItem, quantity: number): { ok: true } | { ok: false; available: number } {
  if (quantity > item.available) return { ok: false, available: item.available };
  item.reserved += quantity;
  recompute(item);
  return { ok: true };
}

/** Gives reserved units back (reservation released, expired, or order cancelled). */
export function unreserve(item: InventoryItem, quantity: number): void {
  item.reserved = Math.max(0, item.reserved - quantity);
  recompute(item);
}

/** Shipping consumes reserved units: they leave both the reservation and the stock. */
export function consume(item: InventoryItem, quantity: number): void {
  let left = quantity;
  for (const l of item.locations) {
    const take = Math.min(l.quantity, left);
    l.quantity -= take;
    left -= take;
  }
  item.reserved = Math.max(0, item.reserved - quantity);
  recompute(item);
}

export function isExpired(r: Reservation, now: Date): boolean {
  return r.status === 'active' && Date.parse(r.expires_at) <= now.getTime();
}

/** The storefront's buyable count follows stock: capped at 9 999 like the availability API. */
export function syncAvailability(product: Product, item: InventoryItem, now: string): void {
  const target = item.variant_id ? product.variants.find((v) => v.id === item.variant_id) : product;
  if (!target) return;
  const inStock = Math.min(9999, item.available);
  if (target.availability.in_stock !== inStock) {
    target.availability.in_stock = inStock;
    target.updated_at = now;
  }
}
