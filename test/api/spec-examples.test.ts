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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpecs, requestExamples, schemaValidators, serveFreshWorld, type RequestExample } from '../support/spec-examples.ts';

const specs = await loadSpecs();
const validators = new Map(specs.map((s) => [s.name, schemaValidators(s)]));
const examples: RequestExample[] = specs.flatMap((s) => requestExamples(s).examples);

let world: Awaited<ReturnType<typeof serveFreshWorld>>;
beforeAll(async () => {
  world = await serveFreshWorld();
});
afterAll(() => world?.close());

describe('spec examples sent to a fresh default world', () => {
  it('cover every operation of both specs', () => {
    expect(new Set(examples.map((e) => `${e.spec} ${e.operationId}`)).size).toBe(specs.reduce((n, s) => n + s.operations.size, 0));
  });

  for (const example of examples) {
    it(`${example.spec} ${example.operationId} (${example.name}) answers ${example.status}`, async () => {
      const res = await world.runner.run(example);
      expect(res.status, `${example.method} ${example.path}: ${JSON.stringify(res.body)}`).toBe(example.status);
      if (res.contentType?.includes('json')) {
        const validate = validators.get(example.spec)!.response(example.operationId, res.status);
        expect(validate, `no schema for ${example.operationId} ${res.status}`).toBeDefined();
        expect(validate!(res.body), JSON.stringify(validate!.errors)).toBe(true);
      } else {
        expect(example.responseExample, `${example.operationId} documents a body the sandbox does not send`).toBeUndefined();
      }
    });
  }
});
