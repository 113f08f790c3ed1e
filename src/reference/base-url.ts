// The URL a client reached the sandbox at, from the request: what the served documents put in
// `servers`, the docs page's try-it sends to, and the Postman collection's baseUrl holds. Behind a
// proxy the client's URL is in X-Forwarded-Proto / X-Forwarded-Host (the first entry: the proxy
// nearest the client writes it first); without them, the Host header and the socket's protocol.
import { Problem } from '../server/problem.ts';
import { SECURE_HEADERS } from '../policies/secure-headers/index.ts';

/** A host name, IPv4 or bracketed IPv6 address, with an optional port. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

const first = (value: string | undefined): string | undefined => value?.split(',')[0]?.trim() || undefined;

/**
 * `proto://host` for a request whose own URL is `requestUrl` (hono's `c.req.url`). A forwarded
 * header that is not a protocol or host is refused with a 400 naming it, never passed on into a
 * document or a page.
 */
export function baseUrlOf(requestUrl: string, header: (name: string) => string | undefined): string {
  const own = new URL(requestUrl);
  const forwardedProto = first(header('x-forwarded-proto'));
  const forwardedHost = first(header('x-forwarded-host'));
  if (forwardedProto !== undefined && !/^https?$/i.test(forwardedProto)) {
    throw badHeader('X-Forwarded-Proto', forwardedProto, 'http or https');
  }
  if (forwardedHost !== undefined && !HOST.test(forwardedHost)) {
    throw badHeader('X-Forwarded-Host', forwardedHost, 'a host name or address with an optional port, e.g. sandbox.example.com:8443');
  }
  const proto = forwardedProto?.toLowerCase() ?? own.protocol.slice(0, -1);
  return `${proto}://${(forwardedHost ?? own.host).toLowerCase()}`;
}

function badHeader(name: string, value: string, expected: string): Problem {
  return new Problem(
    400,
    'invalid_forwarded_header',
    `${name} is ${JSON.stringify(value.slice(0, 100))}, which is not ${expected}; the documents and pages name the URL they are served at, so fix or drop the header in the proxy.`,
    { errors: [{ pointer: `/header/${name.toLowerCase()}`, message: `must be ${expected}` }] },
    SECURE_HEADERS,
  );
}

/**
 * Answers kept per base URL. The key comes from request headers, so the map is bounded: a client
 * sending many made-up hosts costs a rebuild, never memory.
 */
export class PerBaseUrl<T> {
  readonly #entries = new Map<string, T>();
  constructor(private readonly limit = 16) {}

  async get(baseUrl: string, build: () => Promise<T> | T): Promise<T> {
    const known = this.#entries.get(baseUrl);
    if (known !== undefined) return known;
    const built = await build();
    if (this.#entries.size >= this.limit) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(baseUrl, built);
    return built;
  }
}
