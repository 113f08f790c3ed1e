// The console's sessions: who logged in, with which credential, until when. In memory only (a
// restart logs everyone out), bounded, each with a random id (the HttpOnly cookie) and a random
// CSRF token (the header every write must carry). The credential stays here, on the server: the
// browser holds only the session id it cannot read and the CSRF token it must send back.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export type ConsoleRole = 'operator' | 'partner';

export interface ConsoleSession {
  id: string;
  role: ConsoleRole;
  /** The partner's tenant; null for an operator, who picks one per call. */
  tenantId: string | null;
  /** The credential the session acts with: the admin token, or the tenant's key or access token. */
  credential: string;
  csrfToken: string;
  expiresAt: number;
}

/** How long a session lives without use, and at most. */
export const IDLE_MS = 2 * 60 * 60_000;
export const MAX_AGE_MS = 12 * 60 * 60_000;
/** Sessions kept at most; the oldest goes first, so a flood of logins cannot fill the memory. */
const MAX_SESSIONS = 1000;

const randomToken = () => randomBytes(32).toString('base64url');

export class ConsoleSessions {
  readonly #byId = new Map<string, ConsoleSession & { startedAt: number }>();

  create(role: ConsoleRole, tenantId: string | null, credential: string, now = Date.now()): ConsoleSession {
    if (this.#byId.size >= MAX_SESSIONS) this.#byId.delete(this.#byId.keys().next().value!);
    const session = { id: randomToken(), role, tenantId, credential, csrfToken: randomToken(), expiresAt: now + IDLE_MS, startedAt: now };
    this.#byId.set(session.id, session);
    return session;
  }

  /** The live session of a cookie value, its idle expiry pushed back; undefined for none, an unknown or an expired one. */
  find(id: string | undefined, now = Date.now()): ConsoleSession | undefined {
    if (!id) return undefined;
    const session = this.#byId.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= now) {
      this.#byId.delete(id);
      return undefined;
    }
    session.expiresAt = Math.min(now + IDLE_MS, session.startedAt + MAX_AGE_MS);
    return session;
  }

  delete(id: string): void {
    this.#byId.delete(id);
  }
}

/** Whether the presented CSRF token is the session's, compared in constant time. */
export function csrfMatches(session: ConsoleSession, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(session.csrfToken);
  return a.length === b.length && timingSafeEqual(a, b);
}
