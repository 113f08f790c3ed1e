// Inventory, reservations, availability batches and the bulk sync job.
import { emptyInventory, skuIndex, type SkuOwner } from '../domain/catalog.ts';
import { isExpired, reserve, setStock, stockSignals, syncAvailability, unreserve, type StockSignal } from '../domain/inventory.ts';
import { batchOutcome } from '../domain/batch-outcome.ts';
import { paginate } from '../domain/pagination.ts';
import { applyAvailability } from '../domain/storefront.ts';
import type { InventoryItem, Product, Reservation, TenantState, Variant } from '../domain/types.ts';
import type { HandlerContext, Handlers, MarketplaceOperationId } from '../server/handler.ts';
import { requireTenant } from '../server/handler.ts';
import { conflict, invalid, notFound, noted, Problem } from '../server/problem.ts';
import type { Tenant } from '../store/store.ts';
import { newId } from '../store/ids.ts';
import { accepted, newJob, runJob } from './jobs.ts';
import { watchProductStock } from '../events/product-stock.ts';
import { own } from '../state/copy-on-write.ts';
import { put } from '../state/changes.ts';

/** Stock of a sku the tenant still sells: a deleted product's skus are gone with it. */
function stockedItem(state: TenantState, sku: string): InventoryItem | null {
  const item = state.inventory[sku];
  if (!item) return null;
  const product = state.products[item.product_id];
  return product && product.deleted_at === null ? item : null;
}

/** The same, made the tenant's own copy (src/state/copy-on-write.ts) because the caller changes it. */
function stockedItemToChange(state: TenantState, sku: string): InventoryItem | null {
  return stockedItem(state, sku) ? own(state.inventory, sku)! : null;
}

function inventoryItem(state: TenantState, sku: string): InventoryItem {
  const item = stockedItemToChange(state, sku);
  if (!item) throw state.inventory[sku] ? noted(notFound('Inventory item for SKU', sku), 'deleted_product') : notFound('Inventory item for SKU', sku);
  return item;
}

/** Events carry a copy: subscribers (webhook delivery) may read them after later changes. */
const snapshot = (item: InventoryItem): InventoryItem => ({ ...item, locations: item.locations.map((l) => ({ ...l })) });

/** The wire form: `reservation_id` is what POST /inventory/reserve promises; older state lacks it. */
const presentReservation = (r: Reservation): Reservation => ({ ...r, reservation_id: r.id });

function assertLocation(state: TenantState, location: string, pointer: string): void {
  if (!state.locations.some((l) => l.id === location)) {
    throw invalid([{ pointer, message: `location ${location} does not exist (GET /api/v2/locations lists them)` }]);
  }
}

/** Expired reservations give their units back; swept whenever reservations are touched. */
function sweepReservations(tenant: Tenant, ctx: HandlerContext): void {
  const now = ctx.now();
  for (const r of Object.values(tenant.state.reservations)) {
    if (!isExpired(r, now)) continue;
    own(tenant.state.reservations, r.id)!.status = 'expired';
    const item = own(tenant.state.inventory, r.sku);
    if (item) applySignals(tenant, ctx, item, item.available, () => unreserve(item, r.quantity));
  }
}

function applySignals(tenant: Tenant, ctx: HandlerContext, item: InventoryItem, before: number, change: () => void): void {
  change();
  publish(tenant, ctx, item, stockSignals(before, item));
}

function publish(tenant: Tenant, ctx: HandlerContext, item: InventoryItem, signals: StockSignal[]): void {
  if (!signals.length) return;
  const product = own(tenant.state.products, item.product_id);
  const now = ctx.now();
  const stockChanged = watchProductStock(ctx.events, tenant.id, product);
  if (product) syncAvailability(product, item, now.toISOString());
  const data = snapshot(item);
  for (const type of signals) ctx.events.emit(tenant.id, type, data, now);
  stockChanged(now);
}

export const inventoryHandlers: Handlers<MarketplaceOperationId> = {
  listInventory({ query }, ctx) {
    const { page, limit, location, low_stock } = query;
    const tenant = requireTenant(ctx);
    sweepReservations(tenant, ctx);
    let items = Object.values(tenant.state.inventory).filter((i) => stockedItem(tenant.state, i.sku) === i);
    if (location) items = items.filter((i) => i.locations.some((l) => l.location_id === location));
    if (low_stock !== undefined) items = items.filter((i) => (i.available <= i.low_stock_threshold) === low_stock);
    return { status: 200, body: paginate(items, page, limit) };
  },

  getInventoryItem({ path }, ctx) {
    const tenant = requireTenant(ctx);
    sweepReservations(tenant, ctx);
    return { status: 200, body: inventoryItem(tenant.state, path.sku) };
  },

  updateInventoryItem({ path, body }, ctx) {
    const tenant = requireTenant(ctx);
    const item = inventoryItem(tenant.state, path.sku);
    assertLocation(tenant.state, body.location, '/body/location');
    const signals = setStock(item, body.location, body.quantity, ctx.now().toISOString());
    publish(tenant, ctx, item, signals);
    return { status: 200, body: item, notes: signals.length ? [] : ['unchanged_update'] };
  },

  listLocations(_input, ctx) {
    return { status: 200, body: { data: requireTenant(ctx).state.locations } };
  },

  reserveInventory({ body }, ctx) {
    const tenant = requireTenant(ctx);
    sweepReservations(tenant, ctx);
    const item = inventoryItem(tenant.state, body.sku);
    const before = item.available;
    const outcome = reserve(item, body.quantity);
    if (!outcome.ok) {
      throw conflict('insufficient_stock', `Only ${outcome.available} unit(s) of ${body.sku} are available; ${body.quantity} requested.`, {
        sku: body.sku,
        available: outcome.available,
        requested: body.quantity,
      });
    }
    const now = ctx.now();
    const id = newId('res');
    const reservation: Reservation = {
      id,
      reservation_id: id,
      sku: item.sku,
      quantity: body.quantity,
      order_id: body.order_id ?? null,
      status: 'active',
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + (body.ttl_seconds ?? 900) * 1000).toISOString(),
    };
    put(tenant.state.reservations, reservation.id, reservation);
    applySignals(tenant, ctx, item, before, () => {});
    return { status: 201, body: presentReservation(reservation), headers: { location: `/api/v2/inventory/reservations/${reservation.id}` } };
  },

  getReservation({ path }, ctx) {
    const tenant = requireTenant(ctx);
    sweepReservations(tenant, ctx);
    const reservation = tenant.state.reservations[path.reservation_id];
    if (!reservation) throw notFound('Reservation', path.reservation_id);
    return { status: 200, body: presentReservation(reservation) };
  },

  releaseInventory({ body }, ctx) {
    const tenant = requireTenant(ctx);
    sweepReservations(tenant, ctx);
    const reservation = own(tenant.state.reservations, body.reservation_id);
    if (!reservation) throw notFound('Reservation', body.reservation_id);
    if (reservation.status !== 'active') {
      throw conflict('reservation_not_active', `Reservation ${reservation.id} is ${reservation.status}; only active reservations can be released.`, {
        reservation_status: reservation.status,
      });
    }
    reservation.status = 'released';
    const item = own(tenant.state.inventory, reservation.sku);
    if (item) applySignals(tenant, ctx, item, item.available, () => unreserve(item, reservation.quantity));
    return { status: 200, body: presentReservation(reservation) };
  },

  updateAvailability({ body }, ctx) {
    const tenant = requireTenant(ctx);
    const state = tenant.state;
    const now = ctx.now();
    const at = now.toISOString();
    const findTarget = availabilityTargets(state);
    const summary = { applied: 0, unchanged: 0, errors: 0 };
    const notes = new Set<string>();
    const results = body.items.map((entry: { id: string; status: 'active' | 'inactive'; in_stock: number }, index: number) => {
      const target = findTarget(entry.id);
      if (!target) {
        summary.errors++;
        if (state.products[entry.id]?.deleted_at) notes.add('deleted_product');
        return {
          id: entry.id,
          result: 'error' as const,
          code: 'not_found',
          pointer: `/body/items/${index}/id`,
          message: `${entry.id} is not a product or variant of this tenant (deleted products count as gone)`,
        };
      }
      const stockChanged = watchProductStock(ctx.events, tenant.id, target.product);
      const outcome = applyAvailability(target.item, { status: entry.status, in_stock: entry.in_stock }, at);
      for (const note of outcome.notes) notes.add(note);
      summary[outcome.result]++;
      if (outcome.result === 'applied') ctx.events.emit(tenant.id, 'product.updated', structuredClone(target.product), now);
      stockChanged(now);
      return { id: entry.id, result: outcome.result };
    });
    // One item per call, again and again, is what the batch endpoint exists to avoid (the readiness report counts the runs).
    if (body.items.length === 1) notes.add('single_item');
    if (batchOutcome(summary.applied + summary.unchanged, summary.errors) === 'failed') {
      const problem = nothingApplied(results, summary);
      for (const note of notes) noted(problem, note);
      throw problem;
    }
    return { status: 200, body: { results, summary }, notes: [...notes] };
  },

  syncInventory({ body }, ctx) {
    const tenant = requireTenant(ctx);
    const job = newJob('inventory_sync', body.items.length, ctx.now());
    put(tenant.state.jobs, job.id, job);
    runJob(tenant, ctx, job, () => syncLine(tenant, ctx, body.items));
    return accepted(job);
  },

  getJob({ path }, ctx) {
    const job = requireTenant(ctx).state.jobs[path.job_id];
    if (!job) throw notFound('Job', path.job_id);
    return { status: 200, body: job };
  },
};

type AvailabilityResult = { id: string; result: string; code?: string; pointer?: string; message?: string };

/** A batch of which no item could be applied changed nothing: a 422 listing every item's error. */
function nothingApplied(results: AvailabilityResult[], summary: { applied: number; unchanged: number; errors: number }): Problem {
  const errors = results.map((r) => ({ pointer: r.pointer!, message: r.message! }));
  const shown = errors.slice(0, 3).map((e) => `${e.pointer}: ${e.message}`).join('; ');
  return new Problem(
    422,
    'no_items_applied',
    `None of the ${results.length} item(s) was applied, so nothing changed: ${shown}${errors.length > 3 ? `; and ${errors.length - 3} more (see errors)` : ''}. Send ids of your own products and variants (GET /api/v2/products lists them).`,
    { errors, results, summary },
  );
}

/** Product and variant ids of a batch, resolved through one index built on first need. */
function availabilityTargets(state: TenantState) {
  let variants: Map<string, { product: Product; item: Variant }> | null = null;
  return (id: string): { product: Product; item: Product | Variant } | null => {
    if (id.startsWith('var_')) {
      if (!variants) {
        variants = new Map();
        for (const product of Object.values(state.products)) {
          if (product.deleted_at) continue;
          for (const variant of product.variants) variants.set(variant.id, { product, item: variant });
        }
      }
      const found = variants.get(id);
      if (!found) return null;
      const product = own(state.products, found.product.id)!;
      return { product, item: product.variants.find((v) => v.id === id)! };
    }
    const product = own(state.products, id);
    return product && !product.deleted_at ? { product, item: product } : null;
  };
}

type SyncLine = { sku: string; quantity: number; location: string };

/** One line of an inventory sync: absolute stock of a sku at a location. */
function syncLine(tenant: Tenant, ctx: HandlerContext, items: SyncLine[]) {
  const state = tenant.state;
  const locations = new Set(state.locations.map((l) => l.id));
  let owners: Map<string, SkuOwner> | null = null;
  return (index: number) => {
    const entry = items[index]!;
    const now = ctx.now().toISOString();
    let item = stockedItemToChange(state, entry.sku);
    if (!item) {
      // A sku known to the catalog without a stock record yet (or sent in other letter case) gets one.
      owners ??= skuIndex(state);
      item = adoptSku(state, owners.get(entry.sku.toLowerCase()), now);
    }
    if (!item) {
      const message = `SKU ${entry.sku} belongs to no product or variant of this tenant`;
      return { ok: false as const, key: entry.sku, code: 'unknown_sku', message, errors: [{ pointer: `/body/items/${index}/sku`, message: 'belongs to no product or variant of this tenant' }] };
    }
    if (!locations.has(entry.location)) {
      const message = `location ${entry.location} does not exist (GET /api/v2/locations lists them)`;
      return { ok: false as const, key: entry.sku, code: 'unknown_location', message, errors: [{ pointer: `/body/items/${index}/location`, message }] };
    }
    publish(tenant, ctx, item, setStock(item, entry.location, entry.quantity, now));
    return { ok: true as const, key: entry.sku };
  };
}

function adoptSku(state: TenantState, owner: SkuOwner | undefined, now: string): InventoryItem | null {
  if (!owner) return null;
  const sku = owner.variant?.sku ?? owner.product.sku;
  const existing = own(state.inventory, sku);
  if (existing && existing.product_id === owner.product.id) return existing;
  return put(state.inventory, sku, emptyInventory(sku, owner.product.id, owner.variant?.id ?? null, now));
}
