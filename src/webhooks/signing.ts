// Signing a delivery, two ways at once so that any receiver can check it:
//   Standard Webhooks (https://www.standardwebhooks.com): webhook-id, webhook-timestamp and
//     webhook-signature, made by the standardwebhooks reference library itself, so receivers using
//     any Standard Webhooks library verify it as it is;
//   a simple form: X-Signature = "sha256=" + hex(HMAC-SHA256(key, body)) with the same key,
//   plus X-Event-Type and X-Event-ID.
import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

const PREFIX = 'whsec_';

/** The User-Agent every delivery carries (src/webhooks/http-sender.ts, and `listen`'s forwards). */
export const WEBHOOK_USER_AGENT = 'marketplace-sandbox-webhooks/1';

/** A fresh signing secret: whsec_ + base64 of 24 random bytes. */
export const newWebhookSecret = (): string => `${PREFIX}${randomBytes(24).toString('base64')}`;

/** The HMAC key inside a whsec_ secret. */
export function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  'x-event-type': string;
  'x-event-id': string;
  'x-signature': string;
}

/** One signer per secret, kept so a burst of deliveries does not decode the secret each time. */
const signers = new Map<string, { standard: Webhook; key: Buffer }>();
const MAX_SIGNERS = 10_000;

function signerFor(secret: string) {
  let signer = signers.get(secret);
  if (!signer) {
    if (signers.size >= MAX_SIGNERS) signers.clear();
    signer = { standard: new Webhook(secret), key: secretKey(secret) };
    signers.set(secret, signer);
  }
  return signer;
}

/** Headers for one attempt. `timestampSeconds` is wall-clock time: receivers reject stale ones. */
export function signDelivery(secret: string, eventId: string, eventType: string, timestampSeconds: number, body: string): SignedHeaders {
  const signer = signerFor(secret);
  const simple = createHmac('sha256', signer.key).update(body).digest('hex');
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signer.standard.sign(eventId, new Date(timestampSeconds * 1000), body),
    'x-event-type': eventType,
    'x-event-id': eventId,
    'x-signature': `sha256=${simple}`,
  };
}
