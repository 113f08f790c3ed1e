// A consumer's pact carries the credentials of the consumer's test run (its API key, an OAuth
// client id and secret, a refresh token). On the way into the sandbox they are replaced by the
// fresh tenant's real ones, so a pact verifies against any sandbox without sharing secrets:
// - `Authorization: Bearer <anything>` becomes the tenant's API key, unless a provider state
//   declared that token invalid ("the API key … is not valid"), which then goes through untouched;
// - `Authorization: Basic <id:secret>` and form fields (client_id, client_secret, refresh_token)
//   are mapped through the aliases the OAuth provider states set up.
import type { SandboxSession } from './sandbox-session.ts';

export function rewriteAuthorization(value: string | undefined, session: SandboxSession): string | undefined {
  if (!value) return value;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(value);
  if (bearer) return session.invalidKeys.has(bearer[1]!) ? value : `Bearer ${session.apiKey}`;
  const basic = /^Basic\s+(\S+)\s*$/i.exec(value);
  if (basic) {
    const [id = '', secret = ''] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
    const real = `${session.aliases.get(decodeURIComponent(id)) ?? id}:${session.aliases.get(decodeURIComponent(secret)) ?? secret}`;
    return `Basic ${Buffer.from(real).toString('base64')}`;
  }
  return value;
}

/** A form body with aliased values replaced; other fields and their order stay as they were. */
export function rewriteForm(body: string, session: SandboxSession): string {
  if (session.aliases.size === 0) return body;
  const form = new URLSearchParams(body);
  const out = new URLSearchParams();
  for (const [key, value] of form) out.append(key, session.aliases.get(value) ?? value);
  return out.toString();
}
