// Where a subscription may send deliveries: the one module handlers and delivery ask. The rule
// itself (link-local and metadata addresses refused, loopback and private networks allowed, an
// allow-list for exceptions) is plain data in src/domain/webhook-target.ts; this applies it:
//   - webhookUrlErrors: the URL's shape, field errors of a 400 validation_failed;
//   - guardWebhookTarget: the address rule on the URL as given, a 400 webhook_target_not_allowed;
//   - at delivery, src/webhooks/http-sender.ts applies checkResolvedAddress to every address a
//     host name resolves to, so a name pointing at a metadata address is refused as it connects.
// Loopback receivers (127.0.0.1, localhost) must stay allowed: that is where partners run theirs.
import { checkWebhookTarget, parseAllowList } from '../domain/webhook-target.ts';
import { Problem, type FieldError } from '../server/problem.ts';

/** The allow-list a sandbox starts with: the option's entries plus env SANDBOX_WEBHOOK_ALLOW's. */
export function webhookTargetAllowList(option: readonly string[] | undefined, env = process.env.SANDBOX_WEBHOOK_ALLOW): string[] {
  return [...(option ?? []), ...parseAllowList(env)];
}

/** What is wrong with the URL's shape: absolute, http(s), no credentials. */
export function webhookUrlErrors(url: string, pointer = '/body/url'): FieldError[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [{ pointer, message: 'is not an absolute URL' }];
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return [{ pointer, message: `must be an http or https URL, not ${parsed.protocol.replace(':', '')}` }];
  }
  if (parsed.username || parsed.password) {
    return [{ pointer, message: 'must not carry credentials; verify deliveries with the signing secret instead' }];
  }
  return [];
}

/** Throws a 400 webhook_target_not_allowed naming the field when `url` may not receive webhooks. */
export function guardWebhookTarget(url: string | undefined, allowList: readonly string[], pointer = '/body/url'): void {
  if (url === undefined) return;
  const verdict = checkWebhookTarget(url, allowList);
  if (verdict.allowed) return;
  throw new Problem(
    400,
    'webhook_target_not_allowed',
    `The webhook URL ${verdict.reason}. Use a public or local receiver (loopback and private networks are fine); to allow this address on purpose, start the sandbox with SANDBOX_WEBHOOK_ALLOW listing it.`,
    { errors: [{ pointer, message: verdict.reason }] },
  );
}
