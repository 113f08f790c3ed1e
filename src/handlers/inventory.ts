// Inventory, reservations, availability batches and the bulk sync job.
import { emptyInventory, findSku } from '../domain/catalog.ts';
import { isExpired, reserve, setStock, stockSignals, syncAvailability, unreserve, type StockSignal } from '../domain/inventory.ts';
import { paginate } from '../domain/pagination.ts';
import type { InventoryItem, Job, Reservation, TenantState } from '../domain/types.ts';
import type { HandlerContext, HandlerRegistry } from '../server/handler.ts';
import { requireTenant } from '../server/handler.ts';
import { conflict, invalid, notFound, Problem } from '../server/problem.ts';
import type { Tenant } from '../store/store.ts';
import { newId } from '../store/ids.ts';

function inventoryItem(state: TenantState, sku: string): InventoryItem {
  const item = state.inventory[sku];
  if (!item) throw notFound('Inventory item for SKU', sku);
  return item;
}

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
    r.status = 'expired';
    const item = tenant.state.inventory[r.sku];
    if (item) applySignals(tenant, ctx, item, item.available, () => unreserve(item, r.quantity));
  }
}

function applySignals(tenant: Tenant, ctx: HandlerContext, item: InventoryItem, before: number, change: () => void): void {
  change();
  publish(tenant, ctx, item, stockSignals(before, item));
}

function publish(tenant: Tenant, ctx: HandlerContext, item: InventoryItem, signals: StockSignal[]): void {
  if (!signals.length) return;
  const product = tenant.state.products[item.product_id];
  const now = ctx.now();
  if (product) syncAvailability(product, item, now.toISOString());
  for (const type of signals) ctx.events.emit(tenant.id, type, item, now);
}

export const inventoryHandlers: HandlerRegistry = {
  listInventory({ query }, ctx) {
    const { page, limit, location, low_stock } = query;
    let items = Object.values(requireTenant(ctx).state.inventory);
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
    publish(tenant, ctx, item, setStock(item, body.location, body.quantity, ctx.now().toISOString()));
    return { status: 200, body: item };
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
    const reservation: Reservation = {
      id: newId('res'),
      sku: item.sku,
      quantity: body.quantity,
      order_id: body.order_id ?? null,
      status: 'active',
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + (body.ttl_seconds ?? 900) * 1000).toISOString(),
    };
    tenant.state.reservations[reservation.id] = reservation;
    applySignals(tenant, ctx, item, before, () => {});
    return { status: 201, body: reservation, headers: { location: `/api/v2/inventory/reservations/${reservation.id}` } };
  },

  releaseInventory({ body }, ctx) {
    const tenant = requireTenant(ctx);
    sweepReservations(tenant, ctx);
    const reservation = tenant.state.reservations[body.reservation_id];
    if (!reservation) throw notFound('Reservation', body.reservation_id);
    if (reservation.status !== 'active') {
      throw conflict('reservation_not_active', `Reservation ${reservation.id} is ${reservation.status}; only active reservations can be released.`, {
        reservation_status: reservation.status,
      });
    }
    reservation.status = 'released';
    const item = tenant.state.inventory[reservation.sku];
    if (item) applySignals(tenant, ctx, item, item.available, () => unreserve(item, reservation.quantity));
    return { status: 200, body: reservation };
  },

  updateAvailability({ body }, ctx) {
    const tenant = requireTenant(ctx);
    const state = tenant.state;
    if (body.items.length > 1000) {
      throw new Problem(413, 'payload_too_large', `An availability batch takes at most 1000 items; this one has ${body.items.length}. Split it.`, {
        max_items: 1000,
        received_items: body.items.length,
      });
    }
    const now = ctx.now();
    const summary = { applied: 0, unchanged: 0, errors: 0 };
    const results = body.items.map((entry: { id: string; status: 'active' | 'inactive'; in_stock: number }) => {
      const target = findAvailabilityTarget(state, entry.id);
      if (!target) {
        summary.errors++;
        return { id: entry.id, result: 'error', code: 'not_found', message: `${entry.id} is not a product or variant of this tenant` };
      }
      const { availability } = target.item;
      if (availability.status === entry.status && availability.in_stock === entry.in_stock) {
        summary.unchanged++;
        return { id: entry.id, result: 'unchanged' };
      }
      availability.status = entry.status;
      availability.in_stock = entry.in_stock;
      target.item.updated_at = now.toISOString();
      summary.applied++;
      ctx.events.emit(tenant.id, 'product.updated', target.product, now);
      return { id: entry.id, result: 'applied' };
    });
    return { status: 200, body: { results, summary } };
  },

  syncInventory({ body }, ctx) {
    const tenant = requireTenant(ctx);
    if (body.items.length > 10000) {
      throw new Problem(413, 'payload_too_large', `An inventory sync takes at most 10000 items; this one has ${body.items.length}. Split it.`, {
        max_items: 10000,
        received_items: body.items.length,
      });
    }
    const now = ctx.now().toISOString();
    const job: Job = {
      id: newId('job'),
      type: 'inventory_sync',
      state: 'queued',
      progress: { total: body.items.length, processed: 0, succeeded: 0, failed: 0 },
      errors: [],
      created_at: now,
      started_at: null,
      completed_at: null,
    };
    tenant.state.jobs[job.id] = job;
    runSyncJob(tenant, ctx, job, body.items);
    const location = `/api/v2/jobs/${job.id}`;
    return { status: 202, body: { job_id: job.id, state: job.state, status_url: location }, headers: { location } };
  },

  getJob({ path }, ctx) {
    const job = requireTenant(ctx).state.jobs[path.job_id];
    if (!job) throw notFound('Job', path.job_id);
    return { status: 200, body: job };
  },
};

function findAvailabilityTarget(state: TenantState, id: string) {
  if (id.startsWith('var_')) {
    for (const product of Object.values(state.products)) {
      if (product.deleted_at) continue;
      const variant = product.variants.find((v) => v.id === id);
      if (variant) return { product, item: variant };
    }
    return null;
  }
  const product = state.products[id];
  return product && !product.deleted_at ? { product, item: product } : null;
}

const CHUNK = 2000;

/** Applies a sync off the request path, a chunk per event-loop turn so the API stays responsive. */
function runSyncJob(tenant: Tenant, ctx: HandlerContext, job: Job, items: { sku: string; quantity: number; location: string }[]): void {
  const state = tenant.state;
  const locations = new Set(state.locations.map((l) => l.id));
  let index = 0;
  const step = () => {
    // A reset swapped the tenant's world: this job belongs to the old one.
    if (tenant.state !== state) return;
    if (job.state === 'queued') {
      job.state = 'running';
      job.started_at = ctx.now().toISOString();
    }
    const end = Math.min(items.length, index + CHUNK);
    const now = ctx.now().toISOString();
    for (; index < end; index++) {
      const entry = items[index]!;
      const item = state.inventory[entry.sku] ?? adoptSku(state, entry.sku, now);
      if (!item) {
        job.errors.push({ index, key: entry.sku, code: 'unknown_sku', message: `SKU ${entry.sku} belongs to no product or variant of this tenant` });
        job.progress.failed++;
      } else if (!locations.has(entry.location)) {
        job.errors.push({ index, key: entry.sku, code: 'unknown_location', message: `location ${entry.location} does not exist` });
        job.progress.failed++;
      } else {
        publish(tenant, ctx, item, setStock(item, entry.location, entry.quantity, now));
        job.progress.succeeded++;
      }
      job.progress.processed++;
    }
    if (index < items.length) {
      setImmediate(step);
      return;
    }
    job.state = 'completed';
    job.completed_at = ctx.now().toISOString();
    ctx.store.changed();
    ctx.events.emit(tenant.id, 'job.completed', job, ctx.now());
  };
  setImmediate(step);
}

/** A SKU known to the catalog but without an inventory record yet gets one on first sync. */
function adoptSku(state: TenantState, sku: string, now: string): InventoryItem | null {
  const owner = findSku(state, sku);
  if (!owner) return null;
  const item = emptyInventory(sku, owner.product.id, owner.variant?.id ?? null, now);
  state.inventory[sku] = item;
  return item;
}
