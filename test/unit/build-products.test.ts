// What `npm run build` makes ahead of a start (dist/validators/, dist/worlds/) must be what the
// run time would make itself: the same verdicts and errors, the same world. `npm test` builds
// first, so these compare this code's run-time results with the build it just made.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createAjv } from '../../src/contract/ajv.ts';
import { listOperations, loadDocument, type JsonSchema } from '../../src/contract/operations.ts';
import { SCENARIO_SCHEMA, SLA_SCHEMA, schemaFileValidator } from '../../src/contract/schema-files.ts';
import { builtValidatorsFile, compileValidators, loadBuiltValidators } from '../../src/contract/validators.ts';
import { readYamlFile } from '../../src/contract/yaml-text.ts';
import { ADMIN_SPEC, DEFAULT_SLA_FILE, DEFAULT_SPEC, SCENARIO_DIR } from '../../src/sandbox-files.ts';
import { builtWorldFile } from '../../src/scenarios/built-worlds.ts';
import { loadCheckedScenarios } from '../../src/scenarios/checked.ts';
import { buildWorld } from '../../src/scenarios/world.ts';
import { DEFAULT_SEED } from '../../src/store/store.ts';

/** Every example value a media type of the document documents, plus values no schema should take silently. */
function samplesOf(content: Record<string, { example?: unknown; examples?: Record<string, { value?: unknown }> }> | undefined): unknown[] {
  const samples: unknown[] = [{}, [], 'text', 42, null, { id: 7, unknown_field: true, price: -1, status: 'nope' }];
  for (const media of Object.values(content ?? {})) {
    if (media.example !== undefined) samples.push(media.example);
    for (const example of Object.values(media.examples ?? {})) if (example.value !== undefined) samples.push(example.value);
  }
  return samples;
}

describe('validators compiled by the build', () => {
  for (const [name, file] of [
    ['marketplace API', DEFAULT_SPEC],
    ['control API', ADMIN_SPEC],
  ] as const) {
    it(`of the ${name} are found for the shipped document and judge every example as run-time ones do`, async () => {
      const doc = await loadDocument(file);
      expect(existsSync(builtValidatorsFile(doc, 'plain')), 'run npm run build').toBe(true);
      expect(await loadBuiltValidators(doc)).toBe(true);
      const operations = listOperations(doc);
      const built = compileValidators(doc, operations);
      // A copy of the document is another object: the build's validators are not registered for it.
      const copy = structuredClone(doc);
      const runtime = compileValidators(copy, listOperations(copy));
      let compared = 0;
      for (const op of operations) {
        const b = built.get(op.operationId)!;
        const r = runtime.get(op.operationId)!;
        const raw = (doc.paths![op.path] as Record<string, { requestBody?: unknown; responses?: unknown }>)[op.method]!;
        const bodyContent = (raw.requestBody as { content?: Parameters<typeof samplesOf>[0] } | undefined)?.content;
        for (const [type, validate] of b.bodies) {
          for (const sample of samplesOf(bodyContent)) {
            const value = structuredClone(sample);
            const again = structuredClone(sample);
            expect(validate(value), `${op.operationId} ${type}`).toBe(r.bodies.get(type)!(again));
            expect(validate.errors).toEqual(r.bodies.get(type)!.errors);
            compared++;
          }
        }
        if (b.params) {
          const parts = { path: { id: 'x' }, query: { page: '2', limit: 'many' }, headers: {} };
          const again = structuredClone(parts);
          expect(b.params(parts)).toBe(r.params!(again));
          expect(parts).toEqual(again); // coerced and defaulted alike
          compared++;
        }
        for (const [key, validate] of b.responses) {
          const [status] = key.split(' ');
          const response = (raw.responses as Record<string, { content?: Parameters<typeof samplesOf>[0] }>)[status!];
          for (const sample of samplesOf(response?.content)) {
            expect(validate(structuredClone(sample)), `${op.operationId} ${key}`).toBe(r.responses.get(key)!(structuredClone(sample)));
            expect(validate.errors).toEqual(r.responses.get(key)!.errors);
            compared++;
          }
        }
      }
      expect(compared).toBeGreaterThan(operations.length);
    });
  }

  it('of the scenario and SLA schemas judge the shipped files and broken ones as run-time ones do', async () => {
    const cases: [typeof SCENARIO_SCHEMA, unknown[]][] = [
      [SCENARIO_SCHEMA, [...[...(await loadCheckedScenarios()).values()].map(({ file: _f, ...s }): unknown => s), { name: 1 }, {}]],
      [SLA_SCHEMA, [await readYamlFile(DEFAULT_SLA_FILE), { budgets: 'none' }, {}]],
    ];
    for (const [schema, values] of cases) {
      const built = await schemaFileValidator(schema);
      const runtime = createAjv(schema.settings).compile(JSON.parse(readFileSync(schema.file, 'utf8')) as JsonSchema & object);
      for (const value of values) {
        expect(built(value)).toBe(runtime(value));
        expect(built.errors).toEqual(runtime.errors);
      }
    }
  });
});

describe('worlds generated by the build', () => {
  it('are the worlds the scenarios generate, the default among them', async () => {
    const scenarios = await loadCheckedScenarios(SCENARIO_DIR);
    let found = 0;
    for (const scenario of scenarios.values()) {
      const file = builtWorldFile(scenario, scenario.fixture?.seed ?? DEFAULT_SEED);
      if (!existsSync(file)) continue;
      found++;
      const { build_ms: _, ...world } = buildWorld(scenario, DEFAULT_SEED);
      expect(JSON.parse(readFileSync(file, 'utf8')), scenario.name).toEqual(JSON.parse(JSON.stringify(world)));
    }
    expect(existsSync(builtWorldFile(scenarios.get('default')!, DEFAULT_SEED)), 'run npm run build').toBe(true);
    expect(found).toBeGreaterThanOrEqual(scenarios.size - 1); // all but peak-load, too large to ship
  });
});
