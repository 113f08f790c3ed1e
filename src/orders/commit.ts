// Applying a decided order change to a tenant: the order itself, the stock it holds, and the
// events that tell the partner. Partner updates (src/handlers/orders.ts), the marketplace's own
// moves (./marketplace-moves.ts) and the order generator (./generate.ts) all commit through here,
// so no path can change an order without its stock effect and its events.
import { consume, reserve, stockSignals, syncAvailability, unreserve } from '../domain/inventory.ts';
import { customerKey, customersOf, newCustomer } from '../domain/customers.ts';
import { stockEffect, type OrderChange } from '../domain/orders.ts';
import type { Order } from '../domain/types.ts';
import { eventData, ORDER_STATUS_EVENTS } from '../events/builders.ts';
import { watchProductStock } from '../events/product-stock.ts';
import { announcePayment } from '../events/money.ts';
import type { EventBus } from '../events/bus.ts';
import type { Tenant } from '../store/store.ts';
import { own } from '../state/copy-on-write.ts';
import { put } from '../state/changes.ts';

type StockMove = 'reserve' | 'release' | 'consume';

/** Moves one order's units and tells the partner about each inventory item it touched. */
function moveStock(tenant: Tenant, events: EventBus, order: Order, move: StockMove, at: Date): void {
  const now = at.toISOString();
  for (const line of order.items) {
    const item = own(tenant.state.inventory, line.sku);
    if (!item) continue; // a SKU removed from the catalogue since: nothing left to hold
    const before = item.available;
    if (move === 'reserve') {
      // The generator only builds orders against available stock; never oversell if it did not.
      if (!reserve(item, line.quantity).ok) throw new Error(`order ${order.id} needs ${line.quantity} × ${line.sku}, only ${item.available} available`);
    } else if (move === 'release') unreserve(item, line.quantity);
    else consume(item, line.quantity);
    item.updated_at = now;
    const product = own(tenant.state.products, item.product_id);
    const stockChanged = watchProductStock(events, tenant.id, product);
    if (product) syncAvailability(product, item, now);
    for (const type of stockSignals(before, item)) events.emit(tenant.id, type, item, at);
    stockChanged(at);
  }
}

/**
 * The customers each orders table has, built on the first new order and kept up by the ones after
 * (a reset or an import brings a new table, so a new set).
 */
const knownCustomers = new WeakMap<object, Set<string>>();

/** A new order from the marketplace: it holds its units from the start. */
export function commitNewOrder(tenant: Tenant, events: EventBus, order: Order, at: Date): void {
  const table = tenant.state.orders;
  let known = knownCustomers.get(table);
  if (!known) knownCustomers.set(table, (known = customersOf(Object.values(table))));
  const customer = newCustomer(known, order);
  known.add(customerKey(order));
  put(table, order.id, order);
  if (customer) events.emit(tenant.id, 'customer.created', customer, at);
  events.emit(tenant.id, 'order.created', order, at);
  moveStock(tenant, events, order, 'reserve', at);
}

/** A changed order (partner update or marketplace move), with its stock effect and events. */
export function commitOrderChange(tenant: Tenant, events: EventBus, before: Order, after: Order, change: OrderChange, at: Date): void {
  put(tenant.state.orders, after.id, after);
  if (change.moved) {
    events.emit(tenant.id, 'order.status_changed', eventData.orderStatusChanged(after, before.status), at);
    const entered = ORDER_STATUS_EVENTS[after.status];
    if (entered) events.emit(tenant.id, entered, after, at);
  }
  if (change.confirmedNow) events.emit(tenant.id, 'order.confirmed', after, at);
  if (change.fieldsChanged) events.emit(tenant.id, 'order.updated', after, at);
  const effect = stockEffect(before.status, after.status);
  if (effect) moveStock(tenant, events, after, effect, at);
  if (change.moved) {
    const returns = Object.values(tenant.state.returns);
    announcePayment(events, tenant.id, { order: before, returns }, { order: after, returns }, at);
  }
}
