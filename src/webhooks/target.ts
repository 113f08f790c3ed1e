// Where a subscription may send deliveries. Called once from createWebhook and once from
// updateWebhook: the single place to decide which receiver URLs are acceptable. Today it asks
// for an absolute http(s) URL without credentials; an allow-list policy plugs in here.
// Loopback receivers (127.0.0.1, localhost) must stay allowed: that is where partners run theirs.
import type { FieldError } from '../server/problem.ts';

export function checkWebhookTarget(url: string, pointer = '/body/url'): FieldError[] {
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
