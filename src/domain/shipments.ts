// A parcel's tracking status as the carrier reports it, over plain data: the moves the carrier
// makes by itself as sandbox time passes (created → in_transit → delivered, delayed → delivered),
// and the ones the control API forces (delayed, exception). A shipment's status never moves its
// order: whether an order is delivered is the partner's (or the marketplace's) to report.
import type { Shipment } from './types.ts';

export type ShipmentStatus = Shipment['status'];
export type ForcedShipmentStatus = Extract<ShipmentStatus, 'delayed' | 'exception'>;

export interface ShipmentRules {
  /** A new parcel is picked up (in_transit) this long after its creation. */
  in_transit_after_seconds: number;
  /** A parcel on time is delivered this long after its creation. */
  delivered_after_seconds: number;
  /** A delayed parcel is delivered this long after the delay was reported. */
  delivered_after_delay_seconds: number;
}

const HOUR_S = 3600;

export const DEFAULT_SHIPMENT_RULES: Readonly<ShipmentRules> = {
  in_transit_after_seconds: 6 * HOUR_S,
  delivered_after_seconds: 48 * HOUR_S,
  delivered_after_delay_seconds: 24 * HOUR_S,
};

export interface PlannedShipmentMove {
  shipment_id: string;
  from: ShipmentStatus;
  to: Extract<ShipmentStatus, 'in_transit' | 'delivered'>;
  at: string;
}

const later = (iso: string, sinceMs: number, seconds: number): string => new Date(Math.max(Date.parse(iso), sinceMs) + seconds * 1000).toISOString();

/**
 * The carrier's next move on its own, or null for a final status. Like the marketplace's order
 * moves, a stage entered before `since` (the tenant clock's start) counts from `since`, so a world
 * loaded late does not deliver every old parcel at once.
 */
export function nextShipmentMove(shipment: Shipment, rules: ShipmentRules, since: string): PlannedShipmentMove | null {
  const sinceMs = Date.parse(since);
  const move = (to: PlannedShipmentMove['to'], at: string): PlannedShipmentMove => ({ shipment_id: shipment.id, from: shipment.status, to, at });
  switch (shipment.status) {
    case 'created':
      return move('in_transit', later(shipment.created_at, sinceMs, rules.in_transit_after_seconds));
    case 'in_transit':
      return move('delivered', later(shipment.created_at, sinceMs, Math.max(rules.delivered_after_seconds, rules.in_transit_after_seconds)));
    case 'delayed':
      return move('delivered', later(shipment.updated_at, sinceMs, rules.delivered_after_delay_seconds));
    default:
      return null;
  }
}

/** The shipment after a move to `to` at `at` (a copy; the input is not changed). */
export function movedShipment(shipment: Shipment, to: ShipmentStatus, at: string, reason: string | null = null): Shipment {
  return {
    ...shipment,
    item_ids: [...shipment.item_ids],
    status: to,
    status_reason: to === 'delayed' || to === 'exception' ? reason : null,
    in_transit_at: to === 'in_transit' ? at : shipment.in_transit_at,
    delivered_at: to === 'delivered' ? at : shipment.delivered_at,
    updated_at: at,
  };
}

/** From which statuses the control API may force each move. */
export const FORCED_SHIPMENT_MOVES: Readonly<Record<ForcedShipmentStatus, readonly ShipmentStatus[]>> = {
  delayed: ['created', 'in_transit'],
  exception: ['created', 'in_transit', 'delayed'],
};

export const DEFAULT_SHIPMENT_REASONS: Readonly<Record<ForcedShipmentStatus, string>> = {
  delayed: 'Carrier reports a delay',
  exception: 'Carrier cannot deliver the parcel',
};

export type ForcedShipmentVerdict =
  | { kind: 'apply'; next: Shipment }
  | { kind: 'invalid_transition'; from: ShipmentStatus; to: ForcedShipmentStatus; allowed_from: readonly ShipmentStatus[] };

/** Decides a move the control API forces (a delay, an exception). */
export function decideForcedShipmentMove(shipment: Shipment, to: ForcedShipmentStatus, at: string, reason?: string): ForcedShipmentVerdict {
  const allowed = FORCED_SHIPMENT_MOVES[to];
  if (!allowed.includes(shipment.status)) return { kind: 'invalid_transition', from: shipment.status, to, allowed_from: allowed };
  return { kind: 'apply', next: movedShipment(shipment, to, at, reason ?? DEFAULT_SHIPMENT_REASONS[to]) };
}
