// The scenario files checked against their schema and against the contracts their sections come
// from (fault rules as PUT /__sandbox/faults takes them, the spec's rate-limit groups). Apart from
// the server so that `marketplace-sandbox scenarios` lists them without starting one.
import { listOperations, loadDocument, type OpenApiDocument } from '../contract/operations.ts';
import { compileSchemaValidators, toFieldErrors } from '../contract/validators.ts';
import { checkRules } from '../domain/faults.ts';
import { specRateLimitGroups } from '../rate-limits/counters.ts';
import { ADMIN_SPEC, DEFAULT_SPEC } from '../sandbox-files.ts';
import { loadScenarios, type PartCheck, type Scenario } from './load.ts';

/** The scenario files, checked against their schema and against the contracts their sections come from. */
export async function loadCheckedScenarios(dir?: string): Promise<Map<string, Scenario>> {
  const doc = await loadDocument(DEFAULT_SPEC);
  return loadScenarios(dir, scenarioChecks(await loadDocument(ADMIN_SPEC), specRateLimitGroups(listOperations(doc))));
}

/** Scenario sections another contract owns: fault rules as PUT /__sandbox/faults takes them, rate-limit groups of the spec. */
export function scenarioChecks(adminDoc: OpenApiDocument, specGroups: Record<string, number>): PartCheck[] {
  const faultRule = compileSchemaValidators(adminDoc, ['FaultRule']).get('FaultRule')!;
  return [
    (scenario) =>
      (scenario.faults?.rules ?? []).flatMap((rule, i) =>
        faultRule(rule) ? [] : toFieldErrors(faultRule.errors, `/faults/rules/${i}`),
      ),
    (scenario) => checkRules((scenario.faults?.rules ?? []) as never).map((e) => ({ ...e, pointer: e.pointer.replace('/body/rules', '/faults/rules') })),
    (scenario) =>
      Object.keys(scenario.rate_limits?.groups ?? {})
        .filter((group) => !Object.hasOwn(specGroups, group))
        .map((group) => ({ pointer: `/rate_limits/groups/${group}`, message: `is not an operation group; the groups are: ${Object.keys(specGroups).join(', ')}` })),
  ];
}
