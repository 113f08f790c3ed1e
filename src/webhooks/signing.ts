// Signing a delivery, two ways at once so that any receiver can check it:
//   Standard Webhooks (https://www.standardwebhooks.com): webhook-id, webhook-timestamp and
//     webhook-signature = "v1," + base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")), where key is
//     the base64-decoded part of the secret after "whsec_" (what the standardwebhooks libraries use);
//   a simple form: X-Signature = "sha256=" + hex(HMAC-SHA256(key, body)) with the same key,
//   plus X-Event-Type and X-Event-ID.
import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

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

/** Headers for one attempt. `timestampSeconds` is wall-clock time: receivers reject stale ones. */
export function signDelivery(key: Buffer, eventId: string, eventType: string, timestampSeconds: number, body: string): SignedHeaders {
  const timestamp = String(timestampSeconds);
  const standard = createHmac('sha256', key).update(`${eventId}.${timestamp}.${body}`).digest('base64');
  const simple = createHmac('sha256', key).update(body).digest('hex');
  return {
    'webhook-id': eventId,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${standard}`,
    'x-event-type': eventType,
    'x-event-id': eventId,
    'x-signature': `sha256=${simple}`,
  };
}
