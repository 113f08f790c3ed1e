// Webhook subscriptions and their delivery log. Delivery itself lives in src/webhooks.
import { paginate } from '../domain/pagination.ts';
import type { WebhookSubscription } from '../domain/types.ts';
import type { HandlerContext, Handlers, MarketplaceOperationId } from '../server/handler.ts';
import { requireTenant } from '../server/handler.ts';
import { invalid, notFound, type FieldError } from '../server/problem.ts';
import type { Tenant } from '../store/store.ts';
import { newId } from '../store/ids.ts';
import type { WebhookDispatcher } from '../webhooks/dispatcher.ts';
import { SUBSCRIBABLE_EVENT_TYPES, unknownFilterEntries } from '../webhooks/event-filter.ts';
import { newWebhookSecret } from '../webhooks/signing.ts';
import { guardWebhookTarget, webhookUrlErrors } from '../webhooks/target.ts';
import { own } from '../state/copy-on-write.ts';
import { put, remove } from '../state/changes.ts';

/** The secret is shown once, at creation; every other answer leaves it out. */
export function withoutSecret({ secret: _secret, ...rest }: WebhookSubscription): Omit<WebhookSubscription, 'secret'> {
  return rest;
}

/** A subscription, to read: it may be a frozen entity shared with a scenario's world. */
function subscription(tenant: Tenant, id: string): WebhookSubscription {
  const found = tenant.state.webhooks[id];
  if (!found) throw notFound('Webhook subscription', id);
  return found;
}

/** A subscription's URL and filter, checked the same way on create and update. */
function checkSubscription(body: { url?: string; events?: string[] }): void {
  const errors: FieldError[] = [];
  if (body.url !== undefined) errors.push(...webhookUrlErrors(body.url, '/body/url'));
  for (const { index, pattern } of unknownFilterEntries(body.events ?? [])) {
    errors.push({ pointer: `/body/events/${index}`, message: `"${pattern}" matches no event type; subscribable: ${SUBSCRIBABLE_EVENT_TYPES.join(', ')} (wildcards like order.* or *)` });
  }
  if (errors.length) throw invalid(errors);
}

function dispatcher(ctx: HandlerContext): WebhookDispatcher {
  if (!ctx.webhooks) throw new Error('This handler needs the webhook dispatcher on its context (see createSandbox).');
  return ctx.webhooks;
}

export const webhookHandlers: Handlers<MarketplaceOperationId> = {
  listWebhooks(_input, ctx) {
    return { status: 200, body: { data: Object.values(requireTenant(ctx).state.webhooks).map(withoutSecret) } };
  },

  createWebhook({ body }, ctx) {
    const tenant = requireTenant(ctx);
    checkSubscription(body);
    guardWebhookTarget(body.url, ctx.webhookTargetAllowList ?? []); // no link-local / metadata receivers (SSRF)
    const now = ctx.now().toISOString();
    const created: WebhookSubscription = {
      id: newId('wh'),
      url: body.url,
      events: body.events,
      description: body.description ?? null,
      active: true,
      ...(body.retry_policy ? { retry_policy: body.retry_policy } : {}),
      secret: newWebhookSecret(),
      created_at: now,
      updated_at: now,
    };
    put(tenant.state.webhooks, created.id, created);
    return { status: 201, body: created, headers: { location: `/api/v2/webhooks/${created.id}` } };
  },

  getWebhook({ path }, ctx) {
    return { status: 200, body: withoutSecret(subscription(requireTenant(ctx), path.webhook_id)) };
  },

  updateWebhook({ path, body }, ctx) {
    const tenant = requireTenant(ctx);
    subscription(tenant, path.webhook_id);
    const found = own(tenant.state.webhooks, path.webhook_id)!;
    checkSubscription(body);
    guardWebhookTarget(body.url, ctx.webhookTargetAllowList ?? []); // no link-local / metadata receivers (SSRF)
    const { retry_policy, ...rest } = body;
    Object.assign(found, rest, { updated_at: ctx.now().toISOString() });
    // null: back to the default schedule (the scenario's or the server's).
    if (retry_policy === null) delete found.retry_policy;
    else if (retry_policy !== undefined) found.retry_policy = retry_policy;
    return { status: 200, body: withoutSecret(found) };
  },

  deleteWebhook({ path }, ctx) {
    const tenant = requireTenant(ctx);
    subscription(tenant, path.webhook_id);
    remove(tenant.state.webhooks, path.webhook_id);
    // Pending deliveries go with it (the spec promises so); its lane empties itself.
    dispatcher(ctx).forgetSubscription(tenant, path.webhook_id);
    return { status: 204 };
  },

  pingWebhook({ path }, ctx) {
    const tenant = requireTenant(ctx);
    const { event, delivery } = dispatcher(ctx).ping(tenant, subscription(tenant, path.webhook_id), ctx.now());
    return { status: 202, body: { event_id: event.event_id, delivery_id: delivery.id } };
  },

  listWebhookDeliveries({ path, query }, ctx) {
    const tenant = requireTenant(ctx);
    subscription(tenant, path.webhook_id);
    // Newest first; deliveries of one sandbox instant stay newest-first too (insertion order, reversed).
    const deliveries = Object.values(tenant.state.deliveries)
      .filter((d) => d.subscription_id === path.webhook_id)
      .reverse()
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
    return { status: 200, body: paginate(deliveries, query.page, query.limit) };
  },

  redeliverWebhookDelivery({ path }, ctx) {
    const tenant = requireTenant(ctx);
    subscription(tenant, path.webhook_id);
    const delivery = own(tenant.state.deliveries, path.delivery_id);
    if (!delivery || delivery.subscription_id !== path.webhook_id) throw notFound('Delivery', `${path.delivery_id} of subscription ${path.webhook_id}`);
    const alreadyQueued = delivery.status === 'pending';
    return { status: 202, body: dispatcher(ctx).redeliver(tenant, delivery), ...(alreadyQueued ? { notes: ['duplicate_update'] } : {}) };
  },
};
