// Checks an imported tenant state beyond its shape (which the control API's schema checks): every
// entity against the marketplace API's own schema of its kind, each under its own id, and the
// references a connector would follow (stock → product, delivery → subscription).
import type { ValidateFunction } from 'ajv';
import { compileSchemaValidators, toFieldErrors } from '../contract/validators.ts';
import { encodeSegment } from '../contract/json-pointer.ts';
import type { OpenApiDocument } from '../contract/operations.ts';
import type { FieldError } from '../server/problem.ts';

/**
 * Entity tables and lists of a tenant state, with the schema of their entities, the field that is
 * their key, and fields the store keeps that the API never shows (a subscription's secret is shown
 * once, at creation, but signs every delivery after).
 */
const TABLES: Record<string, { schema: string; key: string; stored?: Record<string, RegExp> }> = {
  products: { schema: 'Product', key: 'id' },
  inventory: { schema: 'InventoryItem', key: 'sku' },
  reservations: { schema: 'Reservation', key: 'id' },
  orders: { schema: 'Order', key: 'id' },
  shipments: { schema: 'Shipment', key: 'id' },
  returns: { schema: 'Return', key: 'id' },
  webhooks: { schema: 'WebhookSubscription', key: 'id', stored: { secret: /^whsec_[A-Za-z0-9+/=]{16,}$/ } },
  deliveries: { schema: 'WebhookDelivery', key: 'id' },
  jobs: { schema: 'Job', key: 'id' },
};
const LISTS = { categories: 'Category', brands: 'Brand', labels: 'Label', locations: 'Location' } as const;

/** At most this many problems are listed; the rest would only bury the first. */
const MAX_ERRORS = 50;

export type StateCheck = (state: Record<string, unknown>, pointer: string) => FieldError[];

/** The check; its schemas are compiled on the first import (a state import is rare, a start is not). */
export function compileStateCheck(apiDoc: OpenApiDocument): StateCheck {
  let checkState: StateCheck | undefined;
  return (state, base) => (checkState ??= compileNow(apiDoc))(state, base);
}

function compileNow(apiDoc: OpenApiDocument): StateCheck {
  const validators = compileSchemaValidators(apiDoc, [...Object.values(TABLES).map((t) => t.schema), ...Object.values(LISTS)]);
  const check = (validate: ValidateFunction, value: unknown, pointer: string, errors: FieldError[]) => {
    if (!validate(value)) errors.push(...toFieldErrors(validate.errors, pointer));
  };
  return (state, base) => {
    const errors: FieldError[] = [];
    for (const [name, schema] of Object.entries(LISTS)) {
      const list = state[name] as unknown[];
      list.forEach((item, i) => errors.length < MAX_ERRORS && check(validators.get(schema)!, item, `${base}/${name}/${i}`, errors));
    }
    for (const [name, { schema, key, stored }] of Object.entries(TABLES)) {
      const table = state[name] as Record<string, Record<string, unknown>>;
      for (const [id, entity] of Object.entries(table)) {
        if (errors.length >= MAX_ERRORS) break;
        const at = `${base}/${name}/${encodeSegment(id)}`;
        check(validators.get(schema)!, stored ? withoutStored(entity, stored, at, errors) : entity, at, errors);
        if (entity[key] !== id) errors.push({ pointer: `${at}/${key}`, message: `must equal its key "${id}" (entities are stored under their ${key})` });
      }
    }
    const products = state.products as Record<string, unknown>;
    for (const [sku, item] of Object.entries(state.inventory as Record<string, { product_id?: string }>)) {
      if (errors.length >= MAX_ERRORS) break;
      if (item.product_id && !products[item.product_id]) {
        errors.push({ pointer: `${base}/inventory/${encodeSegment(sku)}/product_id`, message: `names ${item.product_id}, which is not in /state/products` });
      }
    }
    const webhooks = state.webhooks as Record<string, unknown>;
    const outbox = (state.webhook_outbox ?? {}) as Record<string, unknown>;
    for (const [id, delivery] of Object.entries(state.deliveries as Record<string, { subscription_id?: string; status?: string }>)) {
      if (errors.length >= MAX_ERRORS) break;
      if (delivery.subscription_id && !webhooks[delivery.subscription_id]) {
        errors.push({ pointer: `${base}/deliveries/${encodeSegment(id)}/subscription_id`, message: `names ${delivery.subscription_id}, which is not in /state/webhooks` });
      }
      if (delivery.status === 'pending' && !outbox[id]) {
        errors.push({ pointer: `${base}/deliveries/${encodeSegment(id)}`, message: 'is pending but /state/webhook_outbox has no payload for it' });
      }
    }
    return errors.slice(0, MAX_ERRORS);
  };
}

/** The entity as the API shows it; each stored-only field is checked against its pattern on the way. */
function withoutStored(entity: Record<string, unknown>, stored: Record<string, RegExp>, at: string, errors: FieldError[]): Record<string, unknown> {
  const shown = { ...entity };
  for (const [field, pattern] of Object.entries(stored)) {
    const value = shown[field];
    delete shown[field];
    if (typeof value !== 'string' || !pattern.test(value)) errors.push({ pointer: `${at}/${field}`, message: `must be a string matching ${pattern.source}` });
  }
  return shown;
}

