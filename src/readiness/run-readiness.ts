// `marketplace-sandbox readiness`: asks a sandbox for a tenant's readiness report (GET with the
// go-live defaults, or POST with the profile file given) and writes it as readiness.json,
// readiness.html and readiness.xml (JUnit). Exit code 0 when every rule passes, 1 when a rule
// fails (or a required one was not exercised), 2 when no report could be made.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ControlClient } from '../control/client.ts';
import { readYamlFile } from '../contract/yaml-text.ts';
import type { ReadinessReport } from '../domain/readiness.ts';
import { readinessHtml } from './report-html.ts';
import { readinessJunit } from './report-junit.ts';

export const REPORT_FORMATS = ['json', 'html', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReadinessOptions {
  url: string;
  tenant: string;
  adminToken?: string;
  since?: Date;
  until?: Date;
  /** A profile file (YAML or JSON); without it the sandbox applies the go-live defaults. */
  profileFile?: string;
  probeSignatures?: boolean;
  formats: ReportFormat[];
  outDir: string;
}

export interface ReadinessOutcome {
  exitCode: 0 | 1;
  report: ReadinessReport;
  files: string[];
}

/** A profile file's content, or a one-line error naming the file. */
export async function readProfile(file: string): Promise<Record<string, unknown>> {
  let profile: unknown;
  try {
    profile = await readYamlFile(file);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new Error(e.code === 'ENOENT' ? `the profile ${file} does not exist; copy profiles/go-live.yaml and edit it` : `cannot read the profile ${file}: ${e.message.split('\n')[0]}`);
  }
  if (!profile || typeof profile !== 'object' || Array.isArray(profile)) throw new Error(`the profile ${file} is not a mapping of rule thresholds (see profiles/go-live.yaml)`);
  return profile as Record<string, unknown>;
}

/** The report the sandbox makes; the profile's `certify` section is for certify only. */
export async function fetchReadiness(control: ControlClient, o: Omit<ReadinessOptions, 'formats' | 'outDir' | 'profileFile' | 'adminToken' | 'url'> & { profile?: Record<string, unknown> }): Promise<ReadinessReport> {
  const path = `/__sandbox/tenants/${encodeURIComponent(o.tenant)}/readiness`;
  if (!o.profile) {
    const query = new URLSearchParams();
    if (o.since) query.set('since', o.since.toISOString());
    if (o.until) query.set('until', o.until.toISOString());
    if (o.probeSignatures) query.set('probe_signatures', 'true');
    return control.call<ReadinessReport>('GET', query.size ? `${path}?${query}` : path);
  }
  const { certify: _certify, ...profile } = o.profile;
  return control.call<ReadinessReport>('POST', path, {
    profile,
    ...(o.since ? { since: o.since.toISOString() } : {}),
    ...(o.until ? { until: o.until.toISOString() } : {}),
    probe_signatures: Boolean(o.probeSignatures),
  });
}

export async function writeReadiness(report: ReadinessReport, formats: ReportFormat[], outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  const write = async (name: string, text: string) => {
    const file = join(outDir, name);
    await writeFile(file, text);
    files.push(file);
  };
  if (formats.includes('json')) await write('readiness.json', `${JSON.stringify(report, null, 2)}\n`);
  if (formats.includes('html')) await write('readiness.html', readinessHtml(report));
  if (formats.includes('junit')) await write('readiness.xml', readinessJunit(report));
  return files;
}

export async function runReadiness(o: ReadinessOptions): Promise<ReadinessOutcome> {
  const control = new ControlClient({ url: o.url, adminToken: o.adminToken });
  const profile = o.profileFile ? await readProfile(o.profileFile) : undefined;
  const report = await fetchReadiness(control, { tenant: o.tenant, since: o.since, until: o.until, probeSignatures: o.probeSignatures, profile });
  const files = await writeReadiness(report, o.formats, o.outDir);
  return { exitCode: report.verdict === 'pass' ? 0 : 1, report, files };
}

const MARKS: Record<string, string> = { pass: 'pass', warn: 'WARN', fail: 'FAIL', not_exercised: '  - ' };

/** What the terminal shows: the verdict, one line per rule, the files. */
export function summarizeReadiness(report: ReadinessReport, files: string[]): string {
  const lines = [`readiness of ${report.tenant_id} (${report.profile} profile, ${report.requests.total} requests): ${report.verdict.toUpperCase()}`];
  for (const rule of report.rules) {
    const judged = rule.checks.find((c) => c.verdict === rule.verdict) ?? rule.checks[0];
    const required = rule.required && rule.verdict === 'not_exercised' ? ' (required: fails the report)' : '';
    lines.push(`  ${MARKS[rule.verdict]}  ${rule.id.padEnd(28)} ${rule.verdict === 'not_exercised' ? 'not exercised' : (judged?.measured ?? '')}${required}`);
  }
  if (files.length) lines.push(`report: ${files.join(', ')}`);
  return lines.join('\n');
}
