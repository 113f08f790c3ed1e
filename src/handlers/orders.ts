// Orders, shipments and returns: thin handlers over src/domain/orders.
import { announcePayment } from '../events/money.ts';
import { CONFIRMABLE_STATUSES, decidePartnerUpdate, filterOrders, unconfirmedOrders, type PartnerUpdate } from '../domain/orders.ts';
import { paginate } from '../domain/pagination.ts';
import type { Order, ReturnStatus, Shipment, TenantState } from '../domain/types.ts';
import type { DocumentedAs, HandlerContext, Handlers, MarketplaceOperationId } from '../server/handler.ts';
import { requireTenant } from '../server/handler.ts';
import { conflict, invalid, notFound, noted, Problem } from '../server/problem.ts';
import { newId } from '../store/ids.ts';
import { commitOrderChange } from '../orders/commit.ts';
import { own } from '../state/copy-on-write.ts';
import { put } from '../state/changes.ts';

/** An order, to read: it may be a frozen entity shared with a scenario's world. */
function findOrder(state: TenantState, id: string): Order {
  const order = state.orders[id];
  if (!order) throw notFound('Order', id);
  return order;
}

/** An order made the tenant's own copy first, because the caller changes it. */
function orderToChange(state: TenantState, id: string): Order {
  findOrder(state, id);
  return own(state.orders, id)!;
}

/** Both partner moves (updateOrderStatus, cancelOrder) answer 200 with the order. */
function applyPartnerUpdate(ctx: HandlerContext, orderId: string, update: PartnerUpdate): DocumentedAs<'updateOrderStatus', 200> & DocumentedAs<'cancelOrder', 200> {
  const tenant = requireTenant(ctx);
  const order = orderToChange(tenant.state, orderId);
  const now = ctx.now();
  const from = order.status;
  const verdict = decidePartnerUpdate(order, update, now.toISOString());
  switch (verdict.kind) {
    case 'unchanged':
      // Same answer as the first time; the marketplace asks for real changes only, so it is noted.
      return { status: 200, body: order, notes: ['duplicate_update'] };
    case 'missing_fields':
      // Noted for the readiness report: shipped goes with carrier, tracking number and URL in one call.
      throw update.status === 'shipped' ? noted(invalid(verdict.errors), 'shipped_missing_tracking') : invalid(verdict.errors);
    case 'not_for_partner':
      throw new Problem(
        403,
        'transition_not_allowed_for_partner',
        `Only the marketplace moves an order from ${verdict.from} to ${verdict.to}. From ${verdict.from} a partner may move it to: ${verdict.allowed.join(', ') || 'nothing (wait for the marketplace)'}.`,
        { current_status: verdict.from, requested_status: verdict.to, allowed_next_statuses: verdict.allowed },
      );
    case 'invalid_transition':
      throw conflict(
        'invalid_transition',
        verdict.via
          ? `An order cannot move from ${verdict.from} to ${verdict.to} directly: move it to ${verdict.via} first. Allowed next statuses: ${verdict.allowed.join(', ')}.`
          : `An order cannot move from ${verdict.from} to ${verdict.to}. Allowed next statuses: ${verdict.allowed.join(', ') || 'none (final status)'}.`,
        { current_status: verdict.from, requested_status: verdict.to, allowed_next_statuses: verdict.allowed, ...(verdict.via ? { next_status: verdict.via } : {}) },
      );
    case 'not_confirmable':
      throw conflict(
        'order_not_confirmable',
        `Only open orders (to accept them) and cancelled ones (to acknowledge the cancel) are confirmed; this order is ${verdict.status}. Leave out "confirmed"${verdict.status === 'blocked' ? ': the marketplace opens a blocked order once it is paid, then confirm it' : ''}.`,
        { current_status: verdict.status, confirmable_statuses: [...CONFIRMABLE_STATUSES] },
      );
    case 'apply':
      commitOrderChange(tenant, ctx.events, order, verdict.next, verdict, now);
      return { status: 200, body: verdict.next, notes: practiceNotes(from, verdict) };
  }
}

/** What the readiness report learns from an applied update: the move made and the confirmation given. */
function practiceNotes(from: Order['status'], verdict: { next: Order; moved: boolean; confirmedNow: boolean }): string[] {
  const notes = verdict.moved ? [`move:${from}>${verdict.next.status}`] : [];
  if (verdict.confirmedNow) notes.push('confirmed');
  return notes;
}

const RETURN_MOVES: Record<ReturnStatus, ReturnStatus[]> = {
  announced: ['received', 'rejected'],
  received: ['accepted', 'rejected'],
  accepted: [],
  rejected: [],
};

export const orderHandlers: Handlers<MarketplaceOperationId> = {
  listOrders({ query }, ctx) {
    const { page, limit, ...filters } = query;
    return { status: 200, body: paginate(filterOrders(Object.values(requireTenant(ctx).state.orders), filters), page, limit) };
  },

  listUnconfirmedOrders({ query }, ctx) {
    return { status: 200, body: paginate(unconfirmedOrders(Object.values(requireTenant(ctx).state.orders)), query.page, query.limit) };
  },

  getOrder({ path }, ctx) {
    return { status: 200, body: findOrder(requireTenant(ctx).state, path.order_id) };
  },

  updateOrderStatus({ path, body }, ctx) {
    return applyPartnerUpdate(ctx, path.order_id, body);
  },

  cancelOrder({ path, body }, ctx) {
    return applyPartnerUpdate(ctx, path.order_id, { status: 'cancelled', cancellation_reason: body?.reason, refund_requested: body?.refund });
  },

  listOrderShipments({ path }, ctx) {
    const state = requireTenant(ctx).state;
    findOrder(state, path.order_id);
    return { status: 200, body: { data: Object.values(state.shipments).filter((s) => s.order_id === path.order_id) } };
  },

  createShipment({ path, body }, ctx) {
    const tenant = requireTenant(ctx);
    const order = orderToChange(tenant.state, path.order_id);
    const itemIds: string[] = body.item_ids ?? order.items.map((i) => i.id);
    const unknown = itemIds.map((id, i) => ({ id, i })).filter(({ id }) => !order.items.some((item) => item.id === id));
    if (unknown.length) throw invalid(unknown.map(({ id, i }) => ({ pointer: `/body/item_ids/${i}`, message: `item ${id} is not part of order ${order.id}` })));
    if (order.status !== 'open' && order.status !== 'shipping' && order.status !== 'shipped') {
      throw conflict('order_not_shippable', `Order ${order.id} is ${order.status}; shipments can be added to open, shipping or shipped orders.`, {
        current_status: order.status,
      });
    }
    const shipment: Shipment = {
      id: newId('shp'),
      order_id: order.id,
      carrier: body.carrier,
      tracking_number: body.tracking_number,
      tracking_url: body.tracking_url,
      item_ids: itemIds,
      status: 'created',
      status_reason: null,
      in_transit_at: null,
      delivered_at: null,
      created_at: ctx.now().toISOString(),
      updated_at: ctx.now().toISOString(),
    };
    put(tenant.state.shipments, shipment.id, shipment);
    ctx.events.emit(tenant.id, 'shipment.created', shipment, ctx.now());
    return { status: 201, body: shipment, headers: { location: `/api/v2/shipments/${shipment.id}` } };
  },

  getShipment({ path }, ctx) {
    const shipment = requireTenant(ctx).state.shipments[path.shipment_id];
    if (!shipment) throw notFound('Shipment', path.shipment_id);
    return { status: 200, body: shipment };
  },

  listReturns({ query }, ctx) {
    const { page, limit, status, order_id } = query;
    const returns = Object.values(requireTenant(ctx).state.returns).filter(
      (r) => (!status || r.status === status) && (!order_id || r.order_id === order_id),
    );
    return { status: 200, body: paginate(returns, page, limit) };
  },

  getReturn({ path }, ctx) {
    const found = requireTenant(ctx).state.returns[path.return_id];
    if (!found) throw notFound('Return', path.return_id);
    return { status: 200, body: found };
  },

  updateReturn({ path, body }, ctx) {
    const tenant = requireTenant(ctx);
    const found = own(tenant.state.returns, path.return_id);
    if (!found) throw notFound('Return', path.return_id);
    if (found.status === body.status) return { status: 200, body: found };
    const allowed = RETURN_MOVES[found.status];
    if (!allowed.includes(body.status)) {
      throw conflict('invalid_transition', `A return cannot move from ${found.status} to ${body.status}. Allowed next statuses: ${allowed.join(', ') || 'none (final status)'}.`, {
        current_status: found.status,
        requested_status: body.status,
        allowed_next_statuses: allowed,
      });
    }
    const returnsBefore = Object.values(tenant.state.returns).map((r) => (r === found ? { ...r } : r));
    found.status = body.status;
    found.updated_at = ctx.now().toISOString();
    ctx.events.emit(tenant.id, 'return.updated', found, ctx.now());
    const order = tenant.state.orders[found.order_id];
    // An accepted return is refunded: its payment says so (payment.refunded).
    if (order) announcePayment(ctx.events, tenant.id, { order, returns: returnsBefore }, { order, returns: Object.values(tenant.state.returns) }, ctx.now());
    return { status: 200, body: found };
  },
};
