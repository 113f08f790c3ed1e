// SLA budgets (specs/sla.yaml): loaded, checked against specs/sla.schema.json, and resolved into
// the budget of one operation. The most specific entry wins, figure by figure:
//   operations.<operationId>  ▶  the first group that claims the operation  ▶  defaults
import { readFile } from 'node:fs/promises';
import { SLA_SCHEMA, schemaFileValidator } from '../contract/schema-files.ts';
import type { ValidateFunction } from 'ajv';
import { toFieldErrors } from '../contract/validators.ts';

import { DEFAULT_SLA_FILE } from '../sandbox-files.ts';
import { yamlLibrary } from '../contract/yaml-text.ts';

export { DEFAULT_SLA_FILE };

/** The figures one budget may hold; each is optional below the defaults. */
export interface BudgetFigures {
  availability_min_pct?: number;
  p50_ms?: number;
  p95_ms?: number;
  p99_ms?: number;
  error_rate_max_pct?: number;
}

export interface SlaGroup extends BudgetFigures {
  description?: string;
  operations?: string[];
  tags?: string[];
}

export interface WebhookBudget {
  ack_p50_ms?: number;
  ack_p95_ms: number;
  success_rate_min_pct: number;
  max_retry_rate_pct?: number;
}

export interface SlaFile {
  version: 1;
  defaults: Required<Omit<BudgetFigures, 'p99_ms'>> & Pick<BudgetFigures, 'p99_ms'>;
  groups?: Record<string, SlaGroup>;
  operations?: Record<string, BudgetFigures>;
  webhooks?: WebhookBudget;
}

/** Where a figure of a resolved budget came from, so a report can say why this limit applies. */
export type BudgetSource = 'defaults' | `group ${string}` | 'operation';

export interface ResolvedFigure {
  limit: number;
  source: BudgetSource;
}

export interface OperationBudget {
  operationId: string;
  /** The group that claims the operation, if any. */
  group: string | null;
  figures: Partial<Record<keyof BudgetFigures, ResolvedFigure>>;
}

export const FIGURES: (keyof BudgetFigures)[] = ['availability_min_pct', 'p50_ms', 'p95_ms', 'p99_ms', 'error_rate_max_pct'];

export class SlaFileError extends Error {}

export async function loadSlaFile(file: string = DEFAULT_SLA_FILE): Promise<SlaFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SlaFileError(`Cannot read the SLA file ${file}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = yamlLibrary().parse(text);
  } catch (error) {
    throw new SlaFileError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  const validate = await slaValidator();
  if (!validate(data)) {
    const problems = toFieldErrors(validate.errors, '').map((e) => `${e.pointer || '/'} ${e.message}`);
    throw new SlaFileError(`${file} does not match specs/sla.schema.json:\n  ${problems.join('\n  ')}`);
  }
  return data as SlaFile;
}

let compiled: ValidateFunction | null = null;

/** specs/sla.schema.json, loaded (or compiled) on first use. */
async function slaValidator(): Promise<ValidateFunction> {
  return (compiled ??= await schemaFileValidator(SLA_SCHEMA));
}

/** `*` matches any run of characters; everything else is literal. */
function globMatches(glob: string, value: string): boolean {
  const pattern = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${pattern}$`).test(value);
}

/** The first group (in file order) whose operations or tags claim the operation. */
export function groupOf(sla: SlaFile, operationId: string, tags: string[]): string | null {
  for (const [name, group] of Object.entries(sla.groups ?? {})) {
    if (group.operations?.some((glob) => globMatches(glob, operationId))) return name;
    if (group.tags?.some((tag) => tags.includes(tag))) return name;
  }
  return null;
}

export function budgetFor(sla: SlaFile, operationId: string, tags: string[]): OperationBudget {
  const group = groupOf(sla, operationId, tags);
  const layers: [BudgetSource, BudgetFigures | undefined][] = [
    ['operation', sla.operations?.[operationId]],
    [`group ${group}`, group ? sla.groups?.[group] : undefined],
    ['defaults', sla.defaults],
  ];
  const figures: OperationBudget['figures'] = {};
  for (const figure of FIGURES) {
    for (const [source, layer] of layers) {
      const limit = layer?.[figure];
      if (typeof limit === 'number') {
        figures[figure] = { limit, source };
        break;
      }
    }
  }
  return { operationId, group, figures };
}
