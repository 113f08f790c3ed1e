// The carriers' moves of parcels (src/domain/shipments.ts) applied to a tenant as its sandbox clock
// passes them (run by ./marketplace-moves.ts next to the marketplace's order moves), and the
// delays and exceptions the control API forces. Each move emits shipment.<status>.
import { clockNow } from '../clock/clock.ts';
import {
  decideForcedShipmentMove,
  DEFAULT_SHIPMENT_RULES,
  movedShipment,
  nextShipmentMove,
  type ForcedShipmentStatus,
  type ForcedShipmentVerdict,
  type PlannedShipmentMove,
} from '../domain/shipments.ts';
import type { Shipment } from '../domain/types.ts';
import type { EventBus } from '../events/bus.ts';
import type { operations as AdminOperations } from '../contract/generated/admin.ts';
import type { Tenant } from '../store/store.ts';
import { put } from '../state/changes.ts';

/** A carrier move as the control API reports it (advanceClock's `shipment_moves`, moveShipmentAsCarrier). */
export type AppliedShipmentMove = AdminOperations['moveShipmentAsCarrier']['responses'][200]['content']['application/json'];

function commitShipmentMove(tenant: Tenant, events: EventBus, before: Shipment, after: Shipment, at: Date): AppliedShipmentMove {
  put(tenant.state.shipments, after.id, after);
  events.emit(tenant.id, `shipment.${after.status}`, structuredClone(after), at);
  return {
    shipment_id: after.id,
    order_id: after.order_id,
    from_status: before.status as AppliedShipmentMove['from_status'],
    to_status: after.status as AppliedShipmentMove['to_status'],
    at: after.updated_at,
    reason: after.status_reason,
  };
}

/** Makes every carrier move due up to `until`, oldest first (a parcel in transit may be delivered on the same advance). */
export function runDueShipmentMoves(tenant: Tenant, events: EventBus, since: string, until: Date): AppliedShipmentMove[] {
  const untilIso = until.toISOString();
  const due = (s: Shipment): PlannedShipmentMove | null => {
    const move = nextShipmentMove(s, DEFAULT_SHIPMENT_RULES, since);
    return move && move.at <= untilIso ? move : null;
  };
  const queue = Object.values(tenant.state.shipments).flatMap((s) => due(s) ?? []);
  const applied: AppliedShipmentMove[] = [];
  while (queue.length > 0) {
    queue.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.shipment_id < b.shipment_id ? -1 : 1));
    const move = queue.shift()!;
    const shipment = tenant.state.shipments[move.shipment_id];
    if (!shipment || shipment.status !== move.from) continue;
    const next = movedShipment(shipment, move.to, move.at);
    applied.push(commitShipmentMove(tenant, events, shipment, next, new Date(move.at)));
    const following = due(next);
    if (following) queue.push(following);
  }
  return applied;
}

/** Whether some parcel of the tenant has a carrier move due by `until` (the shared clock's leader locks only such tenants). */
export function shipmentMovesDue(tenant: Tenant, since: string, until: string): boolean {
  for (const s of Object.values(tenant.state.shipments)) {
    const move = nextShipmentMove(s, DEFAULT_SHIPMENT_RULES, since);
    if (move && move.at <= until) return true;
  }
  return false;
}

/** A delay or exception QA or a scenario forces now. */
export function forceShipmentMove(
  tenant: Tenant,
  events: EventBus,
  shipmentId: string,
  to: ForcedShipmentStatus,
  reason: string | undefined,
): (ForcedShipmentVerdict & { kind: 'invalid_transition' }) | { kind: 'not_found' } | { kind: 'applied'; move: AppliedShipmentMove } {
  const shipment = tenant.state.shipments[shipmentId];
  if (!shipment) return { kind: 'not_found' };
  const now = clockNow(tenant.clock);
  const verdict = decideForcedShipmentMove(shipment, to, now.toISOString(), reason);
  if (verdict.kind !== 'apply') return verdict;
  return { kind: 'applied', move: commitShipmentMove(tenant, events, shipment, verdict.next, now) };
}
