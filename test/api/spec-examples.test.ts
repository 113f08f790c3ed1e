// Every request example of both specs, sent verbatim over a real socket to a fresh default world
// with the first test key (the control API's with the admin token), gets the status the spec
// documents for it, and the answer validates against the operation's schema (the sandbox runs in
// strict mode as well, so it would answer 500 for an answer off its own contract).
//
// The examples run in the order each spec lists in its root member `x-example-order`: the
// marketplace API's first, then the control API's, in the same world (the control API's examples
// change the world wholesale — faults, rate limits, a state import, a reset — so they come last,
// and the destructive ones last of all). Examples build on one another in two ways only:
//   - a 201/202 answer's example shows placeholder ids for what the request created (a webhook,
//     a job, a reservation, a product …); later examples that use such an id get the one the
//     sandbox gave;
//   - an example with a `force_token` is first sent without it; the 409
//     price_change_requires_confirmation answer gives the token the example then carries.
// Path and query parameters are filled with the parameters' examples. Webhook deliveries go
// nowhere: DNS is stood in for by a lookup that knows no name, so no request leaves the machine.
import type { LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_A } from '../support/sandbox.ts';
import { ADMIN_TOKEN, serveSandbox, type Served } from '../checks/served-sandbox.ts';
import type { Sandbox } from '../../src/server/app.ts';
import {
  defaultWorld,
  learnPlaceholders,
  loadSpecs,
  requestExamples,
  schemaValidators,
  withPlaceholders,
  type DefaultWorld,
  type RequestExample,
} from '../support/spec-examples.ts';

const specs = await loadSpecs();
const validators = new Map(specs.map((s) => [s.name, schemaValidators(s)]));
const examples: RequestExample[] = specs.flatMap((s) => requestExamples(s).examples);

const nowhere: LookupFunction = (hostname, _options, callback) =>
  callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0);

let served: Served & { sandbox: Sandbox };
let world: DefaultWorld;
const placeholders = new Map<string, string>();

beforeAll(async () => {
  served = await serveSandbox({ strict: true, webhooks: { lookup: nowhere } });
  world = defaultWorld(served.sandbox.store);
});
afterAll(() => served?.close());

interface Sent {
  status: number;
  contentType: string | null;
  body: any;
}

async function send(example: RequestExample, body: unknown, query: Record<string, unknown>): Promise<Sent> {
  const path = example.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(String(withPlaceholders(example.pathParams[name], placeholders))));
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(withPlaceholders(query, placeholders))) {
    for (const v of Array.isArray(value) ? value : [value]) search.append(name, String(v));
  }
  const headers: Record<string, string> = {};
  if (example.secured) headers.authorization = `Bearer ${example.spec === 'admin' ? ADMIN_TOKEN : KEY_A}`;
  let payload: string | undefined;
  if (body !== undefined) {
    headers['content-type'] = example.mediaType!;
    const filled = withPlaceholders(body, placeholders);
    payload = example.mediaType!.startsWith('application/x-www-form-urlencoded')
      ? new URLSearchParams(filled as Record<string, string>).toString()
      : JSON.stringify(filled);
  }
  const res = await fetch(`${served.url}${path}${search.size ? `?${search}` : ''}`, { method: example.method, headers, body: payload });
  const text = await res.text();
  const contentType = res.headers.get('content-type');
  return { status: res.status, contentType, body: text && contentType?.includes('json') ? JSON.parse(text) : text };
}

/** The example's own force token stands for the one a first, unconfirmed request is answered with. */
async function obtainForceToken(example: RequestExample): Promise<void> {
  const body = example.body as Record<string, unknown> | undefined;
  const documented = (body?.force_token ?? example.query.force_token) as string | undefined;
  if (documented === undefined || placeholders.has(documented)) return;
  const { force_token: _body, ...unconfirmed } = body ?? {};
  const { force_token: _query, ...query } = example.query;
  const first = await send(example, body ? unconfirmed : undefined, query);
  expect(first.status, `the unconfirmed ${example.operationId} should ask for confirmation: ${JSON.stringify(first.body)}`).toBe(409);
  expect(first.body.code).toBe('price_change_requires_confirmation');
  placeholders.set(documented, first.body.force_token);
}

describe('spec examples sent to a fresh default world', () => {
  it('cover every operation of both specs', () => {
    expect(new Set(examples.map((e) => `${e.spec} ${e.operationId}`)).size).toBe(specs.reduce((n, s) => n + s.operations.size, 0));
  });

  for (const example of examples) {
    it(`${example.spec} ${example.operationId} (${example.name}) answers ${example.status}`, async () => {
      await obtainForceToken(example);
      const res = await send(example, example.body, example.query);
      expect(res.status, `${example.method} ${example.path}: ${JSON.stringify(res.body)}`).toBe(example.status);
      if (res.contentType?.includes('json')) {
        const validate = validators.get(example.spec)!.response(example.operationId, res.status);
        expect(validate, `no schema for ${example.operationId} ${res.status}`).toBeDefined();
        expect(validate!(res.body), JSON.stringify(validate!.errors)).toBe(true);
      } else {
        expect(example.responseExample, `${example.operationId} documents a body the sandbox does not send`).toBeUndefined();
      }
      if (res.status === 201 || res.status === 202) learnPlaceholders(example.responseExample, res.body, world, placeholders);
    });
  }
});
