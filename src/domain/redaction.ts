// Secrets never leave the sandbox through the request journal: credentials in headers, secret
// members of bodies and query strings, and anything shaped like one of our credentials wherever
// it appears, are replaced before a request is stored.

export const REDACTED = '[REDACTED]';

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);

/** Body, form and query members whose value is a secret, whatever the operation. */
const SECRET_FIELDS = new Set(['client_secret', 'refresh_token', 'access_token', 'secret', 'password', 'api_key', 'apikey', 'token']);

/** Our credential formats: test API keys, access and refresh tokens, client and webhook secrets. */
const CREDENTIAL = /\b(mk_test_|mat_|mrt_|cs_test_|whsec_)[A-Za-z0-9_.+/=-]+/g;

/** Header name → value, secrets replaced (the auth scheme is kept: "Bearer [REDACTED]"). */
export function redactHeaders(headers: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (SECRET_HEADERS.has(lower)) {
      const scheme = /^(Bearer|Basic|Digest)\s/i.exec(value)?.[1];
      out[lower] = scheme ? `${scheme} ${REDACTED}` : REDACTED;
    } else {
      out[lower] = redactText(value);
    }
  }
  return out;
}

/** Replaces anything shaped like one of our credentials, keeping its prefix for orientation. */
export function redactText(text: string): string {
  return text.replace(CREDENTIAL, (_match, prefix: string) => `${prefix}${REDACTED}`);
}

/** Cheap test first: most query strings hold nothing secret and are kept as they are. */
const MAYBE_SECRET = /secret|token|key|password|mk_test_|mat_|mrt_|cs_test_|whsec_/i;

/** A raw query string (without '?') with secrets replaced. */
export function redactQuery(query: string): string {
  return query === '' || !MAYBE_SECRET.test(query) ? query : redactForm(query);
}

/** A query string or form body with secret members replaced. */
export function redactForm(encoded: string): string {
  if (encoded === '') return encoded;
  const params = new URLSearchParams(encoded);
  let changed = false;
  for (const key of [...params.keys()]) {
    if (SECRET_FIELDS.has(key.toLowerCase())) {
      params.set(key, REDACTED);
      changed = true;
    }
  }
  return redactText(changed ? params.toString() : encoded);
}

/** A request or response body as text, secret members replaced; JSON and forms are understood. */
export function redactBody(text: string, contentType: string | null | undefined): string {
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('json')) {
    try {
      return redactText(JSON.stringify(redactJson(JSON.parse(text))));
    } catch {
      return redactText(text);
    }
  }
  if (type.startsWith('application/x-www-form-urlencoded')) return redactForm(text);
  return redactText(text);
}

function redactJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJson);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      out[key] = SECRET_FIELDS.has(key.toLowerCase()) && member !== null ? REDACTED : redactJson(member);
    }
    return out;
  }
  return value;
}
