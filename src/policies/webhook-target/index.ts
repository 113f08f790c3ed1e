// Webhook subscriptions may not point at link-local or cloud-metadata addresses (SSRF), unless
// the sandbox's allow-list names them (createSandbox `webhookTargetAllowList`, env
// SANDBOX_WEBHOOK_ALLOW). The rule is src/domain/webhook-target.ts; this is where the webhook
// handlers ask it, with the allow-list from their context.
import { checkWebhookTarget, parseAllowList } from '../../domain/webhook-target.ts';
import type { HandlerContext } from '../../server/handler.ts';
import { Problem } from '../../server/problem.ts';

/** The allow-list a sandbox starts with: the option's entries plus the environment's. */
export function webhookTargetAllowList(option: readonly string[] | undefined, env = process.env.SANDBOX_WEBHOOK_ALLOW): string[] {
  return [...(option ?? []), ...parseAllowList(env)];
}

/** Throws a 400 webhook_target_not_allowed naming the field when `url` may not receive webhooks. */
export function guardWebhookTarget(url: string | undefined, ctx: HandlerContext, pointer = '/body/url'): void {
  if (url === undefined) return;
  const verdict = checkWebhookTarget(url, ctx.webhookTargetAllowList ?? []);
  if (verdict.allowed) return;
  throw new Problem(
    400,
    'webhook_target_not_allowed',
    `The webhook URL ${verdict.reason}. Use a public or local receiver (loopback and private networks are fine); to allow this address on purpose, start the sandbox with SANDBOX_WEBHOOK_ALLOW listing it.`,
    { errors: [{ pointer, message: verdict.reason }] },
  );
}
