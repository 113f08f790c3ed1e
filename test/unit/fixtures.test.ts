import { describe, it, expect } from 'vitest';
import { generateFixture } from '../../src/fixtures/generate.ts';
import { isValidEan13 } from '../../src/domain/ean.ts';
import { checkParameters } from '../../src/domain/catalog.ts';
import { marketplaceMovesFrom, partnerMovesFrom } from '../../src/domain/orders.ts';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ORDER_STATUSES } from '../../src/domain/types.ts';
import type { Category, OrderStatus, Product } from '../../src/domain/types.ts';

const REFERENCE_DATE = '2026-01-15T09:00:00.000Z';
const fixture = generateFixture();
const products = Object.values(fixture.products);
const orders = Object.values(fixture.orders);
const categoriesById = new Map(fixture.categories.map((c) => [c.id, c]));

/** The moves the status machine knows, whoever makes them. */
const legalNext = (s: OrderStatus): OrderStatus[] => [...partnerMovesFrom(s), ...marketplaceMovesFrom(s)];

/** The product's own set (what product writes validate) and the product with each variant applied. */
function effectiveParameterSets(product: Product): Record<string, string>[] {
  return [product.parameters, ...product.variants.map((v) => ({ ...product.parameters, ...v.parameters }))];
}

describe('generateFixture', () => {
  it('is deterministic: the same options give byte-identical JSON', () => {
    expect(JSON.stringify(generateFixture())).toBe(JSON.stringify(fixture));
    const options = { seed: 7, products: 30, orders: 40, referenceDate: '2025-06-01T12:00:00.000Z' };
    expect(JSON.stringify(generateFixture(options))).toBe(JSON.stringify(generateFixture(options)));
  });

  it('reproduces the pinned default world (fixtures/default.sha256) byte for byte', () => {
    const pinned = readFileSync(new URL('../../fixtures/default.sha256', import.meta.url), 'utf8').trim();
    expect(createHash('sha256').update(JSON.stringify(fixture)).digest('hex')).toBe(pinned);
  });

  it('differs for a different seed', () => {
    expect(JSON.stringify(generateFixture({ seed: 1 }))).not.toBe(JSON.stringify(fixture));
  });

  it('honours the requested counts', () => {
    const small = generateFixture({ products: 20, orders: 16 });
    expect(Object.keys(small.products)).toHaveLength(20);
    expect(Object.keys(small.orders)).toHaveLength(16);
    expect(new Set(Object.values(small.orders).map((o) => o.status)).size).toBe(ORDER_STATUSES.length);
  });

  it('has a realistic default size', () => {
    expect(products.length).toBeGreaterThanOrEqual(200);
    expect(products.filter((p) => p.variants.length > 0).length).toBeGreaterThan(20);
    expect(orders.length).toBeGreaterThanOrEqual(100);
    for (const status of ORDER_STATUSES) {
      expect(orders.filter((o) => o.status === status).length, status).toBeGreaterThanOrEqual(5);
    }
    expect(fixture.brands.length).toBeGreaterThanOrEqual(20);
    expect(fixture.labels.length).toBeGreaterThanOrEqual(5);
    expect(fixture.locations.map((l) => l.id)).toEqual(['loc_berlin', 'loc_hamburg']);
  });

  it('uses unique prefixed ids', () => {
    const ids = [
      ...fixture.categories.map((c) => c.id),
      ...fixture.brands.map((b) => b.id),
      ...fixture.labels.map((l) => l.id),
      ...products.flatMap((p) => [p.id, ...p.variants.map((v) => v.id)]),
      ...orders.flatMap((o) => [o.id, ...o.items.map((i) => i.id)]),
      ...Object.keys(fixture.shipments),
      ...Object.keys(fixture.returns),
    ];
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^(cat|brand|lbl|prod|var|ord|oit|shp|ret)_[a-z0-9]{8}$/);
  });

  it('builds a two-level category tree with parameters on the leaves', () => {
    const roots = fixture.categories.filter((c) => c.parent_id === null);
    expect(roots.length).toBeGreaterThanOrEqual(4);
    for (const root of roots) {
      const children = fixture.categories.filter((c) => c.parent_id === root.id);
      expect(children.length).toBeGreaterThanOrEqual(2);
      expect(root.leaf).toBe(false);
      expect(root.parameters).toEqual([]);
      for (const child of children) {
        expect(child.leaf).toBe(true);
        expect(child.path).toEqual([root.name, child.name]);
        expect(child.parameters.some((p) => p.required)).toBe(true);
      }
    }
    expect(fixture.categories.some((c) => c.conditions.length > 0)).toBe(true);
  });

  it('gives every product and variant a valid EAN and a well-formed unique SKU', () => {
    const skus: string[] = [];
    for (const product of products) {
      expect(isValidEan13(product.ean), product.ean).toBe(true);
      skus.push(product.sku);
      for (const variant of product.variants) {
        expect(isValidEan13(variant.ean), variant.ean).toBe(true);
        skus.push(variant.sku);
      }
    }
    expect(new Set(skus).size).toBe(skus.length);
    for (const sku of skus) {
      expect(sku).toMatch(/^[a-z0-9_][a-z0-9_.-]*$/);
      expect(sku.length).toBeLessThanOrEqual(20);
    }
  });

  it('keeps prices, media and timestamps within bounds', () => {
    for (const product of products) {
      for (const price of [product.price, ...product.variants.map((v) => v.price)]) {
        expect(price).toBeGreaterThanOrEqual(4.99);
        expect(price).toBeLessThanOrEqual(899);
        expect(Math.round(price * 100) / 100).toBe(price);
      }
      expect(product.media.length).toBeGreaterThanOrEqual(1);
      expect(product.media.length).toBeLessThanOrEqual(4);
      expect(product.media[0]!.url).toBe(`https://media.marketplace.example/products/${product.id}/1.jpg`);
      expect(product.created_at <= product.updated_at).toBe(true);
      expect(product.updated_at < REFERENCE_DATE).toBe(true);
    }
  });

  it('attaches products to leaves with parameters that satisfy required params and conditions', () => {
    for (const product of products) {
      const category = categoriesById.get(product.category_id)!;
      expect(category.leaf).toBe(true);
      for (const parameters of effectiveParameterSets(product)) {
        expect(checkParameters(category, parameters, '/parameters'), product.id).toEqual([]);
      }
    }
  });

  it('gives variant products distinct combinations of at most two variant-allowed parameters', () => {
    const withVariants = products.filter((p) => p.variants.length > 0);
    for (const product of withVariants) {
      const category = categoriesById.get(product.category_id)!;
      expect(product.variants.length).toBeGreaterThanOrEqual(2);
      expect(product.variants.length).toBeLessThanOrEqual(5);
      expect(product.variant_parameters.length).toBeGreaterThanOrEqual(1);
      expect(product.variant_parameters.length).toBeLessThanOrEqual(2);
      for (const name of product.variant_parameters) {
        expect(category.parameters.find((p) => p.name === name)?.variant_allowed).toBe(true);
        // The product carries its first variant's values so its own set is complete.
        expect(product.parameters[name]).toBe(product.variants[0]!.parameters[name]);
      }
      const combos = product.variants.map((v) => {
        expect(Object.keys(v.parameters).sort()).toEqual([...product.variant_parameters].sort());
        expect(v.product_id).toBe(product.id);
        return JSON.stringify(product.variant_parameters.map((n) => v.parameters[n]));
      });
      expect(new Set(combos).size).toBe(combos.length);
    }
    for (const product of products.filter((p) => p.variants.length === 0)) {
      expect(product.variant_parameters).toEqual([]);
    }
  });

  it('stocks one inventory item per sellable SKU across both warehouses', () => {
    const sellable = products.flatMap((p) => (p.variants.length > 0 ? p.variants.map((v) => v.sku) : [p.sku]));
    expect(Object.keys(fixture.inventory).sort()).toEqual([...sellable].sort());

    const reservedBySku = new Map<string, number>();
    for (const order of orders.filter((o) => ['blocked', 'open', 'shipping'].includes(o.status))) {
      for (const item of order.items) reservedBySku.set(item.sku, (reservedBySku.get(item.sku) ?? 0) + item.quantity);
    }

    const locationIds = new Set<string>();
    for (const item of Object.values(fixture.inventory)) {
      for (const l of item.locations) locationIds.add(l.location_id);
      expect(item.quantity).toBe(item.locations.reduce((sum, l) => sum + l.quantity, 0));
      expect(item.reserved).toBe(reservedBySku.get(item.sku) ?? 0);
      expect(item.reserved).toBeLessThanOrEqual(item.quantity);
      expect(item.available).toBe(item.quantity - item.reserved);
    }
    expect(locationIds.size).toBeGreaterThanOrEqual(2);

    const items = Object.values(fixture.inventory);
    expect(items.some((i) => i.locations.length === 1)).toBe(true);
    expect(items.some((i) => i.quantity === 0)).toBe(true);
    expect(items.some((i) => i.available > 0 && i.available < i.low_stock_threshold)).toBe(true);
  });

  it('derives storefront stock from the inventory', () => {
    for (const product of products) {
      const own = product.variants.length === 0 ? [product.sku] : product.variants.map((v) => v.sku);
      const total = own.reduce((sum, sku) => sum + fixture.inventory[sku]!.available, 0);
      expect(product.availability.in_stock).toBe(Math.min(9999, total));
      for (const v of product.variants) expect(v.availability.in_stock).toBe(fixture.inventory[v.sku]!.available);
    }
  });

  it('only lets marketplace-carried orders get lost', () => {
    for (const order of orders.filter((o) => o.status === 'lost')) expect(order.fulfilment).toBe('marketplace');
  });

  it('records a legal, strictly increasing status history ending in the current status', () => {
    for (const order of orders) {
      const { history } = order;
      expect(history[0]!.status).toBe('blocked');
      expect(history.at(-1)!.status).toBe(order.status);
      for (let i = 1; i < history.length; i++) {
        expect(legalNext(history[i - 1]!.status)).toContain(history[i]!.status);
        expect(Date.parse(history[i]!.at)).toBeGreaterThan(Date.parse(history[i - 1]!.at));
      }
      expect(history.at(-1)!.at <= REFERENCE_DATE).toBe(true);
      expect(order.created_at).toBe(history[0]!.at);
      expect(order.updated_at).toBe(history.at(-1)!.at);
    }
  });

  it('keeps order money, tracking and lifecycle fields consistent', () => {
    for (const order of orders) {
      expect(order.order_number).toMatch(/^MS-\d{4}-\d{6}$/);
      expect(order.items.length).toBeGreaterThanOrEqual(1);
      expect(order.items.length).toBeLessThanOrEqual(3);
      for (const item of order.items) {
        expect(item.total_price).toBe(Math.round(item.unit_price * item.quantity * 100) / 100);
        const product = fixture.products[item.product_id]!;
        expect(product.status).toBe('live');
        const priced = item.variant_id ? product.variants.find((v) => v.id === item.variant_id)! : product;
        expect(priced.sku).toBe(item.sku);
        expect(priced.price).toBe(item.unit_price);
      }
      const subtotal = Math.round(order.items.reduce((sum, i) => sum + i.total_price, 0) * 100) / 100;
      expect(order.subtotal).toBe(subtotal);
      expect([0, 4.95]).toContain(order.shipping_cost);
      expect(order.total).toBe(Math.round((subtotal + order.shipping_cost) * 100) / 100);

      const shipped = order.history.some((h) => h.status === 'shipped');
      if (shipped) {
        expect(order.carrier).toMatch(/^(DHL|DPD|Hermes|GLS|UPS)$/);
        expect(order.tracking_number).toMatch(/^[0-9A-Za-z_-]+$/);
        expect(order.tracking_url).toBe(`https://tracking.example/${order.carrier!.toLowerCase()}/${order.tracking_number}`);
      } else {
        expect(order.carrier).toBeNull();
      }
      expect(order.delivered_at !== null).toBe(order.status === 'delivered' || order.status === 'returned');
      expect(order.cancellation_reason !== null).toBe(order.status === 'cancelled');
      if (order.payment_method === 'prepaid') {
        expect(order.paid_at !== null).toBe(order.history.some((h) => h.status === 'open'));
      }
      if (order.history.some((h) => h.status === 'shipping')) expect(order.confirmed).toBe(true);
    }
    expect(orders.some((o) => !o.confirmed)).toBe(true);
    expect(orders.some((o) => o.fulfilment === 'marketplace' && o.status !== 'lost')).toBe(true);
  });

  it('creates one shipment per shipped order and one return per returned order', () => {
    const shippedOrders = orders.filter((o) => o.history.some((h) => h.status === 'shipped'));
    const shipments = Object.values(fixture.shipments);
    expect(shipments.map((s) => s.order_id).sort()).toEqual(shippedOrders.map((o) => o.id).sort());
    for (const shipment of shipments) {
      const order = fixture.orders[shipment.order_id]!;
      expect(shipment.item_ids).toEqual(order.items.map((i) => i.id));
      expect(shipment.tracking_number).toBe(order.tracking_number);
    }

    const returns = Object.values(fixture.returns);
    expect(returns.map((r) => r.order_id).sort()).toEqual(
      orders.filter((o) => o.status === 'returned').map((o) => o.id).sort(),
    );
    for (const ret of returns) expect(ret.refund_amount).toBe(fixture.orders[ret.order_id]!.total);
    expect(new Set(returns.map((r) => r.status)).size).toBeGreaterThan(1);
  });

  it('starts with no reservations, webhooks, deliveries or jobs', () => {
    expect(fixture.reservations).toEqual({});
    expect(fixture.webhooks).toEqual({});
    expect(fixture.deliveries).toEqual({});
    expect(fixture.jobs).toEqual({});
  });
});
