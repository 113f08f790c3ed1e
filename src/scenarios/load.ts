// Scenario files (scenarios/<name>.yaml), read and validated once at start against
// specs/scenario.schema.json. A broken file is refused with its path, the JSON pointer and the reason.
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SCENARIO_SCHEMA, schemaFileValidator } from '../contract/schema-files.ts';
import { readYamlFile, yamlLibrary } from '../contract/yaml-text.ts';
import { toFieldErrors } from '../contract/validators.ts';
import type { OrderRules } from '../domain/marketplace-schedule.ts';
import type { OrderStatus } from '../domain/types.ts';

import { SCENARIO_DIR } from '../sandbox-files.ts';

export { SCENARIO_DIR };

export interface Scenario {
  name: string;
  description: string;
  file: string;
  fixture?: {
    seed?: number;
    products?: number;
    orders?: number;
    reference_date?: string;
    orders_by_status?: Partial<Record<OrderStatus, number>>;
    catalog_only?: boolean;
  };
  entities?: {
    products?: { id: string; sku: string; title: string; price: number; currency?: string; stock?: number; status?: 'draft' | 'live'; force_price?: number }[];
  };
  clock?: { start?: string; mode?: 'realtime' | 'manual'; factor?: number };
  rate_limits?: { plan?: 'basic' | 'growth' | 'enterprise'; daily_quota?: number; burst_per_minute?: number; groups?: Record<string, number>; daily_used?: number };
  faults?: { seed?: number; rules: Record<string, unknown>[] };
  webhooks?: { retry_schedule_seconds?: number[] };
  orders?: Partial<OrderRules>;
  price_protection?: { threshold_percent?: number; campaign_locks?: number };
}

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly pointer: string,
    readonly reason: string,
  ) {
    super(`Scenario ${file} is invalid at ${pointer || '/'}: ${reason}`);
  }
}

/** Checks a part of a scenario that another contract owns (e.g. fault rules by the control API's schema). */
export type PartCheck = (scenario: Scenario) => { pointer: string; message: string }[];

export async function loadScenarios(dir = SCENARIO_DIR, checks: PartCheck[] = []): Promise<Map<string, Scenario>> {
  const validate = await schemaFileValidator(SCENARIO_SCHEMA);

  const scenarios = new Map<string, Scenario>();
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  for (const name of files) {
    const file = join(dir, name);
    let data: unknown;
    try {
      data = await readYamlFile(file);
    } catch (error) {
      const where = error instanceof yamlLibrary().YAMLParseError ? ` (line ${error.linePos?.[0]?.line})` : '';
      throw new ScenarioError(file, '', `not valid YAML${where}: ${(error as Error).message.split('\n')[0]!.replace(/:$/, '')}; fix it there`);
    }
    if (!validate(data)) {
      const [first] = toFieldErrors(validate.errors, '');
      throw new ScenarioError(file, first?.pointer ?? '', first?.message ?? 'does not match specs/scenario.schema.json');
    }
    const scenario = { ...(data as Omit<Scenario, 'file'>), file };
    const expected = basename(name).replace(/\.ya?ml$/, '');
    if (scenario.name !== expected) throw new ScenarioError(file, '/name', `is "${scenario.name}" but the file is ${name}; they must match`);
    for (const check of checks) {
      const [problem] = check(scenario);
      if (problem) throw new ScenarioError(file, problem.pointer, problem.message);
    }
    scenarios.set(scenario.name, scenario);
  }
  if (!scenarios.has('default')) throw new ScenarioError(join(dir, 'default.yaml'), '', 'is missing: every sandbox needs a default scenario');
  return scenarios;
}
