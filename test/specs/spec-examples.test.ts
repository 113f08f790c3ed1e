// The examples of both specs are the default world: every id, SKU, location, category, brand,
// label, category parameter and event type they name exists in the world of the first test key
// (or is created by an example earlier in `x-example-order`, or is said not to exist and does not),
// problem examples carry the `type` and `title` the sandbox sends, and every example validates
// against its schema. What is checked, exactly: test/support/spec-examples.ts. Fixtures that change
// make this fail with the example and the member that no longer fit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExamples, defaultWorld, invalidExamples, loadSpecs, requestExamples, type DefaultWorld } from '../support/spec-examples.ts';
import { startSandbox, type TestSandbox } from '../support/sandbox.ts';

const specs = await loadSpecs();
let sb: TestSandbox;
let world: DefaultWorld;

beforeAll(async () => {
  sb = await startSandbox();
  world = defaultWorld(sb.store);
});
afterAll(() => sb.close());

describe('spec examples', () => {
  it('name only what the default world has (or an earlier example creates)', () => {
    const { findings } = checkExamples(specs, world);
    expect(findings, findings.join('\n')).toEqual([]);
  });

  it.each(specs.map((s) => [s.file, s] as const))('%s: every example validates against its schema', (_file, spec) => {
    const findings = invalidExamples(spec);
    expect(findings, findings.join('\n')).toEqual([]);
  });

  it.each(specs.map((s) => [s.file, s] as const))('%s: x-example-order lists every operation once, each with a sendable example', (_file, spec) => {
    const { examples, findings } = requestExamples(spec);
    expect(findings, findings.join('\n')).toEqual([]);
    expect(new Set(examples.map((e) => e.operationId)).size).toBe(spec.operations.size);
  });

  it('catch an example that drifts from the world', () => {
    // The check itself, on examples made wrong on purpose: each mistake is reported.
    const marketplace = structuredClone(specs[0]!);
    // Reached into by hand, to break it: the document's own type has no use here.
    const paths = marketplace.doc.paths as Record<string, any>;
    const body = paths['/api/v2/webhooks'].post.requestBody.content['application/json'].examples;
    const first = Object.keys(body)[0]!;
    body[first] = { value: { url: 'https://partner.example.com/hooks', events: ['return.created'] } };
    paths['/api/v2/inventory/{sku}'].patch.requestBody.content['application/json'].examples = {
      wrong: { value: { quantity: 3, location: 'loc_prg01' } },
    };
    const { findings } = checkExamples([marketplace, specs[1]!], world);
    expect(findings.some((f) => /return\.created matches no event type/.test(f))).toBe(true);
    expect(findings.some((f) => /loc_prg01 is not in the default world/.test(f))).toBe(true);
  });
});
