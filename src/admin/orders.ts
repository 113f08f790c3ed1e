// Control API: orders as the marketplace makes them. Generating new customer orders, the rules
// of the marketplace's own moves, and making one such move on demand (scenarios, tests); a
// carrier's delay or exception on a parcel, forced the same way.
import { marketplaceMovesFrom } from '../domain/orders.ts';
import type { AdminOperationId, Handlers } from '../server/handler.ts';
import { conflict, invalid, notFound } from '../server/problem.ts';
import { generateOrders } from '../orders/generate.ts';
import { asMoveStatuses, makeMarketplaceMove, orderRules } from '../orders/marketplace-moves.ts';
import { forceShipmentMove } from '../orders/carrier-moves.ts';
import { targetTenant } from './clock.ts';
import { own } from '../state/copy-on-write.ts';

export const orderAdminHandlers: Handlers<AdminOperationId> = {
  generateOrders({ body }, ctx) {
    const tenant = targetTenant(ctx, body.tenant_id);
    const mix = body.payment_mix;
    if (mix && (mix.prepaid ?? 0.8) + (mix.cash_on_delivery ?? 0.2) <= 0) {
      throw invalid([{ pointer: '/body/payment_mix', message: 'needs a positive weight for at least one payment method' }]);
    }
    const perOrder = body.items_per_order;
    if (perOrder && typeof perOrder === 'object' && perOrder.min !== undefined && perOrder.max !== undefined && perOrder.min > perOrder.max) {
      throw invalid([{ pointer: '/body/items_per_order/min', message: `must not exceed max (${perOrder.max})` }]);
    }
    const { orders, seed } = generateOrders(tenant, ctx.events, body);
    if (orders.length === 0) {
      throw conflict('insufficient_stock', `${tenant.id} has no live, active item in stock to order. Add stock (PATCH /api/v2/inventory/{sku}) or reset the tenant.`);
    }
    return {
      status: 201,
      body: {
        tenant_id: tenant.id,
        requested: body.count,
        seed,
        orders: orders.map((o) => ({
          id: o.id,
          order_number: o.order_number,
          // Generated orders start blocked (awaiting payment or confirmation); strict mode checks it on every answer.
          status: o.status as 'blocked',
          payment_method: o.payment_method,
          fulfilment: o.fulfilment,
          total: o.total,
          currency: o.currency,
          item_count: o.items.length,
          created_at: o.created_at,
        })),
      },
    };
  },

  getOrderRules({ query }, ctx) {
    const tenant = targetTenant(ctx, query.tenant_id);
    return { status: 200, body: { tenant_id: tenant.id, ...orderRules(tenant) } };
  },

  updateOrderRules({ body }, ctx) {
    const { tenant_id, ...changes } = body;
    const tenant = targetTenant(ctx, tenant_id);
    const rules = { ...orderRules(tenant), ...changes };
    tenant.state.marketplace = { rules };
    return { status: 200, body: { tenant_id: tenant.id, ...rules } };
  },

  moveOrderAsMarketplace({ path, body }, ctx) {
    const tenant = targetTenant(ctx, body.tenant_id);
    const before = own(tenant.state.orders, path.order_id);
    const verdict = makeMarketplaceMove(tenant, ctx.events, path.order_id, body.to, body.reason);
    switch (verdict.kind) {
      case 'not_found':
        throw notFound('Order', path.order_id);
      case 'not_marketplace_carried':
        throw conflict('not_marketplace_carried', `Order ${path.order_id} is carried by the partner (fulfilment: partner); only parcels of the marketplace's own carrier can get lost.`, {
          current_status: before!.status,
          requested_status: body.to,
        });
      case 'invalid_transition': {
        const allowed = marketplaceMovesFrom(verdict.from);
        throw conflict('invalid_transition', `The marketplace cannot move an order from ${verdict.from} to ${verdict.to}. Its allowed next statuses: ${allowed.join(', ') || 'none (final status)'}.`, {
          current_status: verdict.from,
          requested_status: verdict.to,
          allowed_next_statuses: allowed,
        });
      }
      case 'apply':
        return {
          status: 200,
          body: { order_id: verdict.next.id, ...asMoveStatuses(before!.status, verdict.next.status), at: verdict.next.updated_at, reason: 'scenario' },
        };
    }
  },

  moveShipmentAsCarrier({ path, body }, ctx) {
    const tenant = targetTenant(ctx, body.tenant_id);
    const outcome = forceShipmentMove(tenant, ctx.events, path.shipment_id, body.to, body.reason);
    switch (outcome.kind) {
      case 'not_found':
        throw notFound('Shipment', path.shipment_id);
      case 'invalid_transition':
        throw conflict('invalid_transition', `A carrier cannot report ${outcome.to} for a shipment that is ${outcome.from}; ${outcome.to} is reported for shipments that are ${outcome.allowed_from.join(', ')}.`, {
          current_status: outcome.from,
          requested_status: outcome.to,
          allowed_from_statuses: outcome.allowed_from,
        });
      case 'applied':
        return { status: 200, body: outcome.move };
    }
  },
};
