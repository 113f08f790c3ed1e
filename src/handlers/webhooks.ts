// Webhook subscriptions and their delivery log. Delivery itself lives in src/webhooks.
import { randomBytes } from 'node:crypto';
import { paginate } from '../domain/pagination.ts';
import type { WebhookSubscription } from '../domain/types.ts';
import type { HandlerRegistry } from '../server/handler.ts';
import { requireTenant } from '../server/handler.ts';
import { notFound } from '../server/problem.ts';
import type { Tenant } from '../store/store.ts';
import { newId } from '../store/ids.ts';

/** The secret is shown once, at creation; every other answer leaves it out. */
export function withoutSecret({ secret: _secret, ...rest }: WebhookSubscription): Omit<WebhookSubscription, 'secret'> {
  return rest;
}

function subscription(tenant: Tenant, id: string): WebhookSubscription {
  const found = tenant.state.webhooks[id];
  if (!found) throw notFound('Webhook subscription', id);
  return found;
}

export const webhookHandlers: HandlerRegistry = {
  listWebhooks(_input, ctx) {
    return { status: 200, body: { data: Object.values(requireTenant(ctx).state.webhooks).map(withoutSecret) } };
  },

  createWebhook({ body }, ctx) {
    const tenant = requireTenant(ctx);
    const now = ctx.now().toISOString();
    const created: WebhookSubscription = {
      id: newId('wh'),
      url: body.url,
      events: body.events,
      description: body.description ?? null,
      active: true,
      secret: `whsec_${randomBytes(24).toString('base64')}`,
      created_at: now,
      updated_at: now,
    };
    tenant.state.webhooks[created.id] = created;
    return { status: 201, body: created, headers: { location: `/api/v2/webhooks/${created.id}` } };
  },

  getWebhook({ path }, ctx) {
    return { status: 200, body: withoutSecret(subscription(requireTenant(ctx), path.webhook_id)) };
  },

  updateWebhook({ path, body }, ctx) {
    const found = subscription(requireTenant(ctx), path.webhook_id);
    Object.assign(found, body, { updated_at: ctx.now().toISOString() });
    return { status: 200, body: withoutSecret(found) };
  },

  deleteWebhook({ path }, ctx) {
    const tenant = requireTenant(ctx);
    subscription(tenant, path.webhook_id);
    delete tenant.state.webhooks[path.webhook_id];
    return { status: 204 };
  },

  listWebhookDeliveries({ path, query }, ctx) {
    const tenant = requireTenant(ctx);
    subscription(tenant, path.webhook_id);
    const deliveries = Object.values(tenant.state.deliveries)
      .filter((d) => d.subscription_id === path.webhook_id)
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
    return { status: 200, body: paginate(deliveries, query.page, query.limit) };
  },
};
