// The control API's admin token, resolved the same way by the server and by every client (CLI,
// checks, Pact verification): an explicit value, else env SANDBOX_ADMIN_TOKEN, else the default.
// An empty value counts as unset everywhere, so `SANDBOX_ADMIN_TOKEN=` never means "no token".

export const DEFAULT_ADMIN_TOKEN = 'sandbox-admin-token';

export function resolveAdminToken(explicit?: string | null, env: string | undefined = process.env.SANDBOX_ADMIN_TOKEN): string {
  return explicit || env || DEFAULT_ADMIN_TOKEN;
}
