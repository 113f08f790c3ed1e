// Customers as the partner learns about them: the marketplace keeps no customer records the
// partner can read, so a customer is "created" for a tenant by its first order (by the customer's
// masked relay e-mail address, compared without regard to letter case).
import type { KnownCustomer, Order } from './types.ts';

/** What identifies a customer across orders. */
export const customerKey = (order: Pick<Order, 'customer'>): string => order.customer.email.toLowerCase();

/** The customers (keys) the given orders have. */
export function customersOf(orders: Iterable<Pick<Order, 'customer'>>): Set<string> {
  const keys = new Set<string>();
  for (const order of orders) keys.add(customerKey(order));
  return keys;
}

/** The customer `order` introduces, or null when the tenant already knows its customer. */
export function newCustomer(known: ReadonlySet<string>, order: Order): KnownCustomer | null {
  if (known.has(customerKey(order))) return null;
  return { name: order.customer.name, email: order.customer.email, first_order_id: order.id, first_seen_at: order.created_at };
}
