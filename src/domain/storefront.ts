// What shoppers see of a partner's catalogue, and how availability updates change it.
//
// The partner API is the seller's back office: it always shows the partner everything they own.
// "Hidden" is about the storefront: a product is on the storefront when it is live (activated),
// not deleted and its availability status is `active`; a variant additionally needs its own
// status `active`. `status: inactive` takes an item off the storefront; `in_stock: 0` leaves
// it on, shown as sold out (visible, not buyable).
import type { Availability, Product, Variant } from './types.ts';

export function isOnStorefront(product: Product, variant: Variant | null = null): boolean {
  if (product.deleted_at !== null || product.status !== 'live' || product.availability.status !== 'active') return false;
  return variant === null || variant.availability.status === 'active';
}

/** Practice notes for the partner-practice report (see Reply.notes). */
export type AvailabilityNote = 'unchanged_update' | 'update_to_inactive';

export interface AvailabilityOutcome {
  result: 'applied' | 'unchanged';
  notes: AvailabilityNote[];
}

/**
 * Applies one line of an availability batch. Worth noting for the partner: a line that changes
 * nothing, and a line that keeps pushing stock figures to an item that is already inactive
 * (hidden items sell nothing, so those updates are wasted calls).
 */
export function applyAvailability(
  target: { availability: Availability; updated_at: string },
  update: Availability,
  now: string,
): AvailabilityOutcome {
  const { availability } = target;
  const notes: AvailabilityNote[] = [];
  if (availability.status === 'inactive' && update.status === 'inactive') notes.push('update_to_inactive');
  if (availability.status === update.status && availability.in_stock === update.in_stock) {
    notes.push('unchanged_update');
    return { result: 'unchanged', notes };
  }
  availability.status = update.status;
  availability.in_stock = update.in_stock;
  target.updated_at = now;
  return { result: 'applied', notes };
}
