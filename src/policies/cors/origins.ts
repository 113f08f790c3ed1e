// Which browser origins may call the sandbox (`serve --cors`): exact origins, origins with any port
// (`http://localhost:*`), or `*` for any origin without credentials. Parsed once at start into a
// test that costs a Set lookup or a short prefix check per request that sends an Origin.

export const ANY_ORIGIN = '*';

/** Browser apps on this machine, on any port: what a partner's dev server is. */
export const DEFAULT_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*'];

export interface OriginPolicy {
  /** The origins as given, for the banner and the docs. */
  readonly listed: readonly string[];
  /** Whether any origin is allowed (`*`): then answers say `*` and never allow credentials. */
  readonly any: boolean;
  /** The Access-Control-Allow-Origin value for this request's Origin, or null when it is not allowed. */
  allow(origin: string): string | null;
}

/** Parses `--cors a,b,c`; throws a one-line error naming a value that is no origin. */
export function parseOrigins(values: readonly string[]): string[] {
  const origins = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (origins.length === 0) throw new Error('--cors needs at least one origin, e.g. --cors http://localhost:3000 (or "*" for any).');
  for (const origin of origins) {
    if (origin === ANY_ORIGIN) continue;
    const pattern = /^(https?):\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:(\d{1,5}|\*))?$/i;
    if (!pattern.test(origin)) {
      throw new Error(`--cors: "${origin}" is not an origin; write scheme://host[:port] (e.g. https://pim.example.com, http://localhost:*) or "*".`);
    }
  }
  return origins;
}

export function originPolicy(origins: readonly string[]): OriginPolicy {
  const any = origins.includes(ANY_ORIGIN);
  const exact = new Set(origins.filter((o) => !o.endsWith(':*')).map((o) => o.toLowerCase()));
  // `http://localhost:*`: that scheme and host, with any port (or none).
  const anyPort = origins.filter((o) => o.endsWith(':*')).map((o) => o.slice(0, -2).toLowerCase());
  return {
    listed: origins,
    any,
    allow(origin) {
      if (any) return ANY_ORIGIN;
      const o = origin.toLowerCase();
      if (exact.has(o)) return origin;
      for (const base of anyPort) {
        if (o === base || (o.startsWith(base) && /^:\d{1,5}$/.test(o.slice(base.length)))) return origin;
      }
      return null;
    },
  };
}

/**
 * The control API's origins: never any origin. With `--cors '*'` (or a list holding it) it keeps
 * the other origins listed, or this machine's browser apps when `*` stands alone.
 */
export function controlOrigins(origins: readonly string[]): string[] {
  const listed = origins.filter((o) => o !== ANY_ORIGIN);
  return listed.length ? listed : DEFAULT_ORIGINS;
}
