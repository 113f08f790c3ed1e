// The order builder: the parts of an order both the fixtures (src/fixtures/generate.ts, orders in
// every state) and the control API's generator (below) build the same way, its lines and totals;
// and new customer orders, as the marketplace would hand them to a partner: blocked (awaiting payment),
// unconfirmed, for live items of the partner's catalogue that are in stock. Pure: randomness comes
// from a seeded Faker, ids from the caller, and stock from a map of available units that this
// module counts down so that no two generated orders claim the same unit. Same seed, same orders.
import type { Faker } from '@faker-js/faker';
import { seededFaker } from './seeded-faker.ts';
import type { Currency, Order, OrderItem, TenantState } from './types.ts';

// --- shared by the fixtures and the generator: their draws (and so their seeds' worlds) stay as they were

const FREE_SHIPPING_FROM = 49;
const SHIPPING_COST = 4.95;

export const roundMoney = (amount: number): number => Math.round(amount * 100) / 100;

/** How many units a customer puts in one line: mostly one. */
const QUANTITY_WEIGHTS = [
  { weight: 16, value: 1 },
  { weight: 3, value: 2 },
  { weight: 1, value: 3 },
];

/** What one order line is of: a product, or one of its variants. */
export interface LineUnit {
  product_id: string;
  variant_id: string | null;
  sku: string;
  title: string;
  price: number;
}

/** One order line: draws the quantity (at most `maxQuantity`), then the line's id. */
export function orderLine(faker: Faker, unit: LineUnit, newId: () => string, maxQuantity = Infinity): OrderItem {
  const quantity = Math.min(faker.helpers.weightedArrayElement(QUANTITY_WEIGHTS), maxQuantity);
  return {
    id: newId(),
    product_id: unit.product_id,
    variant_id: unit.variant_id,
    sku: unit.sku,
    title: unit.title,
    quantity,
    unit_price: unit.price,
    total_price: roundMoney(unit.price * quantity),
  };
}

/** Subtotal, shipping (free from 49) and total of an order's lines. */
export function orderTotals(items: OrderItem[]): { subtotal: number; shipping_cost: number; total: number } {
  const subtotal = roundMoney(items.reduce((sum, i) => sum + i.total_price, 0));
  const shippingCost = subtotal >= FREE_SHIPPING_FROM ? 0 : SHIPPING_COST;
  return { subtotal, shipping_cost: shippingCost, total: roundMoney(subtotal + shippingCost) };
}

// --- the control API's generator

export interface PaymentMix {
  prepaid: number; // relative weights
  cash_on_delivery: number;
}

export interface OrderFactoryInput {
  count: number;
  paymentMix: PaymentMix;
  itemsPerOrder: { min: number; max: number };
  /** Share (0..1) of orders the marketplace's own carrier delivers (only those can get lost). */
  marketplaceCarriedShare: number;
  seed: number;
  now: string;
}

export interface SellableUnit {
  product_id: string;
  variant_id: string | null;
  sku: string;
  title: string;
  price: number;
  currency: Currency;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Live, active items with their buyable stock: what a customer could order right now. */
export function sellableUnits(state: TenantState): { units: SellableUnit[]; available: Map<string, number> } {
  const units: SellableUnit[] = [];
  const available = new Map<string, number>();
  const add = (unit: SellableUnit) => {
    const stock = state.inventory[unit.sku]?.available ?? 0;
    if (stock <= 0) return;
    units.push(unit);
    available.set(unit.sku, stock);
  };
  for (const product of Object.values(state.products)) {
    if (product.deleted_at !== null || product.status !== 'live' || product.availability.status !== 'active') continue;
    if (product.variants.length === 0) {
      add({ product_id: product.id, variant_id: null, sku: product.sku, title: product.title, price: product.price, currency: product.currency });
      continue;
    }
    for (const v of product.variants) {
      if (v.availability.status !== 'active') continue;
      const label = Object.values(v.parameters).join(', ');
      add({ product_id: product.id, variant_id: v.id, sku: v.sku, title: label ? `${product.title} (${label})` : product.title, price: v.price, currency: v.currency });
    }
  }
  return { units, available };
}

/** The next order number of the year, after the highest one already used (MS-2026-000123). */
function orderNumbers(orders: Iterable<Order>, year: string): () => string {
  let sequence = 0;
  const prefix = `MS-${year}-`;
  for (const o of orders) {
    if (o.order_number.startsWith(prefix)) sequence = Math.max(sequence, Number(o.order_number.slice(prefix.length)) || 0);
  }
  return () => `${prefix}${String(++sequence).padStart(6, '0')}`;
}

/**
 * Builds up to `count` blocked orders. Fewer come back when stock runs out: an order is only
 * built when every one of its lines can be served from `available` (which is counted down).
 */
export function buildOrders(state: TenantState, units: SellableUnit[], available: Map<string, number>, input: OrderFactoryInput): Order[] {
  const faker = seededFaker(input.seed);
  const nextNumber = orderNumbers(Object.values(state.orders), input.now.slice(0, 4));
  const newId = (prefix: 'ord' | 'oit'): string => {
    for (;;) {
      const id = `${prefix}_${faker.string.fromCharacters(ID_ALPHABET, 12)}`;
      if (!state.orders[id]) return id;
    }
  };
  // A zero weight means "never"; faker wants positive weights only.
  const paymentWeights = [
    { weight: input.paymentMix.prepaid, value: 'prepaid' as const },
    { weight: input.paymentMix.cash_on_delivery, value: 'cash_on_delivery' as const },
  ].filter((w) => w.weight > 0);
  const orders: Order[] = [];
  for (let n = 0; n < input.count; n++) {
    const inStock = units.filter((u) => (available.get(u.sku) ?? 0) > 0);
    if (inStock.length === 0) break;
    const currency = faker.helpers.arrayElement(inStock).currency;
    const sameCurrency = inStock.filter((u) => u.currency === currency);
    const lines = faker.number.int({ min: Math.min(input.itemsPerOrder.min, sameCurrency.length), max: Math.min(input.itemsPerOrder.max, sameCurrency.length) });
    const items: OrderItem[] = faker.helpers.arrayElements(sameCurrency, lines).map((unit) => {
      const item = orderLine(faker, unit, () => newId('oit'), available.get(unit.sku)!);
      available.set(unit.sku, available.get(unit.sku)! - item.quantity);
      return item;
    });
    const totals = orderTotals(items);
    const firstName = faker.person.firstName();
    const lastName = faker.person.lastName();
    const name = `${firstName} ${lastName}`;
    const paymentMethod = faker.helpers.weightedArrayElement(paymentWeights);
    orders.push({
      id: newId('ord'),
      order_number: nextNumber(),
      status: 'blocked',
      confirmed: false,
      payment_method: paymentMethod,
      paid_at: null,
      fulfilment: faker.datatype.boolean(input.marketplaceCarriedShare) ? 'marketplace' : 'partner',
      customer: {
        name,
        email: faker.internet.email({ firstName, lastName, provider: faker.helpers.arrayElement(['example.com', 'example.org', 'example.net']) }).toLowerCase(),
      },
      shipping_address: {
        name: faker.datatype.boolean(0.1) ? faker.person.fullName() : name,
        street: faker.location.streetAddress(),
        postal_code: faker.location.zipCode('#####'),
        city: faker.location.city(),
        country_code: 'DE',
      },
      items,
      ...totals,
      currency,
      carrier: null,
      tracking_number: null,
      tracking_url: null,
      delivered_at: null,
      first_delivery_attempt: null,
      cancellation_reason: null,
      history: [{ status: 'blocked', at: input.now }],
      created_at: input.now,
      updated_at: input.now,
    });
  }
  return orders;
}
