// The events a partner can subscribe to, and how each one is built. One place decides what an
// event looks like on the wire, the marketplace documentation's envelope
// {event, event_id, timestamp, data} plus the tenant and the resource's sequence number, so the
// bus, the webhook delivery, the docs and the Pact message tests all see the same bodies.
import { randomHex } from '../store/ids.ts';
import type { InventoryItem, Job, KnownCustomer, Order, OrderStatus, Payment, Payout, Product, Return, Shipment } from '../domain/types.ts';

export interface SandboxEvent<T = unknown> {
  event: string; // order.created, product.updated, …
  event_id: string; // evt_…
  timestamp: string; // sandbox time of the change
  tenant_id: string;
  /** 1, 2, 3 … per resource and tenant, in the order the changes happened (src/domain/event-sequence.ts). */
  sequence: number;
  data: T;
}

export interface PriceChange {
  item_id: string;
  product_id: string;
  variant_id: string | null;
  price: number;
  currency: string;
  previous_price: number;
  updated_at: string;
}

/** `data` of each event type. Resources appear as GET returns them at the time of the change. */
export interface EventPayloads {
  'order.created': Order;
  'order.status_changed': Order & { previous_status: OrderStatus };
  'order.cancelled': Order;
  'order.confirmed': Order;
  /** Tracking or delivery details changed without a status move. */
  'order.updated': Order;
  /** The order entered `shipped` (next to its order.status_changed). */
  'order.shipped': Order;
  'order.delivered': Order;
  'order.returned': Order;
  'shipment.created': Shipment;
  /** The carrier's tracking status, on the sandbox clock (src/domain/shipments.ts). */
  'shipment.in_transit': Shipment;
  'shipment.delivered': Shipment;
  /** Forced through the control API (POST /__sandbox/shipments/{shipment_id}/move). */
  'shipment.delayed': Shipment;
  'shipment.exception': Shipment;
  'return.updated': Return;
  'inventory.updated': InventoryItem;
  'inventory.low_stock': InventoryItem;
  'inventory.out_of_stock': InventoryItem;
  'product.created': Product;
  'product.updated': Product;
  'product.deleted': { id: string; sku: string; deleted_at: string };
  'product.activated': Product;
  /** The product's sellable stock went from above 0 to 0 (src/domain/product-stock.ts). */
  'product.out_of_stock': Product;
  /** … and from 0 to above 0. */
  'product.back_in_stock': Product;
  'price.updated': PriceChange;
  'job.completed': Job;
  'job.failed': Job;
  /** An order arrived for a customer (by e-mail address) no earlier order of the tenant has. */
  'customer.created': KnownCustomer;
  /** Declared (subscribable, in the spec's webhooks): emitted once the sandbox simulates money. */
  'payment.succeeded': Payment;
  'payment.failed': Payment;
  'payment.refunded': Payment;
  'payout.initiated': Payout;
  'payout.completed': Payout;
  'payout.failed': Payout;
  /** Sent only by POST /webhooks/{id}/ping, to that subscription alone. */
  'webhook.ping': { webhook_id: string; message: string };
}

export type EventType = keyof EventPayloads;

/** Every event type, for subscription filters and docs. */
export const EVENT_TYPES: readonly EventType[] = [
  'order.created',
  'order.status_changed',
  'order.cancelled',
  'order.confirmed',
  'order.updated',
  'order.shipped',
  'order.delivered',
  'order.returned',
  'shipment.created',
  'shipment.in_transit',
  'shipment.delivered',
  'shipment.delayed',
  'shipment.exception',
  'return.updated',
  'inventory.updated',
  'inventory.low_stock',
  'inventory.out_of_stock',
  'product.created',
  'product.updated',
  'product.deleted',
  'product.activated',
  'product.out_of_stock',
  'product.back_in_stock',
  'price.updated',
  'job.completed',
  'job.failed',
  'customer.created',
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
  'payout.initiated',
  'payout.completed',
  'payout.failed',
  'webhook.ping',
];

/**
 * Types partners can subscribe to that the sandbox does not emit yet: money is not simulated, so
 * no payment or payout ever happens. They stay in the catalogue (and the spec's webhooks) so a
 * connector can be written and subscribed against them today.
 */
export const DECLARED_NOT_EMITTED: readonly EventType[] = ['payout.failed'];

/** The order events that name the status an order enters, next to order.status_changed. */
export const ORDER_STATUS_EVENTS: Partial<Record<OrderStatus, EventType>> = {
  shipped: 'order.shipped',
  delivered: 'order.delivered',
  returned: 'order.returned',
  cancelled: 'order.cancelled',
};

export const newEventId = (): string => `evt_${randomHex(8)}`;

/**
 * Builds an event. Pure when `id` is given (tests and Pact message providers pass a fixed one);
 * `sequence` is the bus's to number (EventBus), 1 when built alone.
 */
export function buildEvent<T extends EventType>(type: T, tenantId: string, data: EventPayloads[T], at: Date, id?: string, sequence?: number): SandboxEvent<EventPayloads[T]>;
export function buildEvent<T>(type: string, tenantId: string, data: T, at: Date, id?: string, sequence?: number): SandboxEvent<T>;
export function buildEvent(type: string, tenantId: string, data: unknown, at: Date, id: string = newEventId(), sequence = 1): SandboxEvent {
  return { event: type, event_id: id, timestamp: at.toISOString(), tenant_id: tenantId, sequence, data };
}

/** The payload builders, one per event type that carries more than the resource itself. */
export const eventData = {
  orderStatusChanged: (order: Order, previous: OrderStatus): EventPayloads['order.status_changed'] => ({ ...order, previous_status: previous }),
  productDeleted: (product: Pick<Product, 'id' | 'sku'>, deletedAt: string): EventPayloads['product.deleted'] => ({
    id: product.id,
    sku: product.sku,
    deleted_at: deletedAt,
  }),
  ping: (webhookId: string): EventPayloads['webhook.ping'] => ({
    webhook_id: webhookId,
    message: 'Test event from marketplace-sandbox. Answer 2xx to acknowledge.',
  }),
};

const bodies = new WeakMap<SandboxEvent, string>();

/**
 * The exact bytes a receiver gets, and that the signatures cover. Serialised once per event (the
 * feed and every delivery share them), at the first call: call it while the event happens.
 */
export function eventBody(event: SandboxEvent): string {
  let body = bodies.get(event);
  if (body === undefined) bodies.set(event, (body = JSON.stringify(event)));
  return body;
}
