// The control API's admin token, resolved the same way by the server and by every client (CLI,
// checks, Pact verification): an explicit value, else env SANDBOX_ADMIN_TOKEN, else the default.
// An empty value counts as unset everywhere, so `SANDBOX_ADMIN_TOKEN=` never means "no token".
// The default is for a laptop: `serve` on an address others can reach generates a token instead
// (src/server/exposure.ts), and clients are then given it through SANDBOX_ADMIN_TOKEN.
import { randomBytes } from 'node:crypto';

export const DEFAULT_ADMIN_TOKEN = 'sandbox-admin-token';

export function resolveAdminToken(explicit?: string | null, env: string | undefined = process.env.SANDBOX_ADMIN_TOKEN): string {
  return configuredAdminToken(explicit, env) ?? DEFAULT_ADMIN_TOKEN;
}

/** The token someone chose (explicitly or in the environment), or undefined when none was. */
export function configuredAdminToken(explicit?: string | null, env: string | undefined = process.env.SANDBOX_ADMIN_TOKEN): string | undefined {
  return explicit || env || undefined;
}

/** A token nobody can guess, for a sandbox started on the network without one. */
export function generateAdminToken(): string {
  return `sat_${randomBytes(24).toString('base64url')}`;
}
