// The order generator of the control API: new blocked orders from the tenant's own catalogue, as a
// marketplace's sandbox order generator hands them out. Each order reserves its units and is
// announced with order.created; the marketplace then pays, opens or cancels it as the clock runs.
import { clockNow } from '../clock/clock.ts';
import { buildOrders, sellableUnits, type PaymentMix } from '../domain/order-factory.ts';
import type { Order } from '../domain/types.ts';
import type { EventBus } from '../events/bus.ts';
import type { Tenant } from '../store/store.ts';
import { commitNewOrder } from './commit.ts';

export interface GenerateOrdersRequest {
  count: number;
  payment_mix?: Partial<PaymentMix>;
  items_per_order?: number | { min?: number; max?: number };
  seed?: number;
}

export const DEFAULT_PAYMENT_MIX: PaymentMix = { prepaid: 0.8, cash_on_delivery: 0.2 };
const MARKETPLACE_CARRIED_SHARE = 0.15;

export function generateOrders(tenant: Tenant, events: EventBus, request: GenerateOrdersRequest): { orders: Order[]; seed: number } {
  const now = clockNow(tenant.clock);
  const perOrder = request.items_per_order;
  const itemsPerOrder =
    typeof perOrder === 'number' ? { min: perOrder, max: perOrder } : { min: perOrder?.min ?? 1, max: Math.max(perOrder?.max ?? 3, perOrder?.min ?? 1) };
  // Without a seed each call continues the tenant's sequence: reproducible after a reset, different per call.
  const seed = request.seed ?? tenant.seed + Object.keys(tenant.state.orders).length;
  const { units, available } = sellableUnits(tenant.state);
  const orders = buildOrders(tenant.state, units, available, {
    count: request.count,
    paymentMix: { ...DEFAULT_PAYMENT_MIX, ...request.payment_mix },
    itemsPerOrder,
    marketplaceCarriedShare: MARKETPLACE_CARRIED_SHARE,
    seed,
    now: now.toISOString(),
  });
  for (const order of orders) commitNewOrder(tenant, events, order, now);
  return { orders, seed };
}
