// The outcome of `verify-pact`, per interaction, as text for a terminal and as JUnit XML for CI.
import type { KnownStateForm } from './provider-states.ts';
import type { DriftFinding } from './spec-drift.ts';

export type InteractionStatus = 'passed' | 'failed' | 'unknown-state';

export interface InteractionResult {
  /** "consumer → provider" */
  pact: string;
  description: string;
  states: string[];
  kind: 'http' | 'message';
  status: InteractionStatus;
  /** Why it failed: mismatches found by the verifier, state setup errors, an unknown state. */
  problems: string[];
  /** Facts worth knowing even when it passed (which entity stood in for the pact's example id). */
  notes: string[];
  /** Pact ↔ spec cross-check findings (empty when not checked or clean). */
  drift: DriftFinding[];
  durationMs: number | null;
}

export interface VerificationReport {
  sandbox: string;
  tenantId: string;
  specChecked: boolean;
  results: InteractionResult[];
  /** The provider-state forms the sandbox knows, with their aliases: once per run, when a state was unknown. */
  knownStates?: KnownStateForm[];
}

export function reportPassed(report: VerificationReport): boolean {
  return report.results.every((r) => r.status === 'passed' && r.drift.length === 0);
}

export function summarise(report: VerificationReport): { passed: number; failed: number; unknownStates: number; drifted: number } {
  return {
    passed: report.results.filter((r) => r.status === 'passed' && r.drift.length === 0).length,
    failed: report.results.filter((r) => r.status === 'failed').length,
    unknownStates: report.results.filter((r) => r.status === 'unknown-state').length,
    drifted: report.results.filter((r) => r.drift.length > 0).length,
  };
}

export function formatReport(report: VerificationReport, color = false): string {
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const lines: string[] = [`Verifying against ${report.sandbox} (fresh tenant ${report.tenantId})${report.specChecked ? ', with the pact ↔ spec cross-check' : ''}`];
  let pact = '';
  for (const r of report.results) {
    if (r.pact !== pact) {
      pact = r.pact;
      lines.push('', paint('1', pact));
    }
    const mark =
      r.status === 'passed' && r.drift.length === 0
        ? paint('32', '✓ PASS ')
        : r.status === 'passed'
          ? paint('33', '! DRIFT')
          : r.status === 'unknown-state'
            ? paint('31', '✗ STATE')
            : paint('31', '✗ FAIL ');
    const given = r.states.length ? ` (given ${r.states.map((s) => `"${s}"`).join(' and ')})` : '';
    lines.push(`  ${mark} ${r.kind === 'message' ? 'message: ' : ''}${r.description}${given}`);
    for (const problem of r.problems) lines.push(...indent(problem, '          '));
    for (const finding of r.drift) lines.push(`          spec drift at ${finding.pointer}: ${finding.message}`);
    for (const note of r.notes) lines.push(paint('2', `          note: ${note}`));
  }
  if (report.knownStates) lines.push('', ...knownStatesText(report.knownStates));
  const s = summarise(report);
  lines.push(
    '',
    `${report.results.length} interactions: ${s.passed} passed, ${s.failed} failed, ${s.unknownStates} with unknown provider states, ${s.drifted} drifting from the spec`,
    reportPassed(report) ? paint('32', 'VERIFIED') : paint('31', 'NOT VERIFIED'),
  );
  return lines.join('\n');
}

/** The known forms, each with its aliases: printed once, after the interactions. */
function knownStatesText(forms: KnownStateForm[]): string[] {
  const lines = ['Provider states the sandbox knows (a form, then its aliases; or describe a state in a states file with --states FILE):'];
  for (const form of forms) {
    lines.push(`  - ${form.form}`);
    if (form.aliases.length) lines.push(...indent(`also: ${form.aliases.join(' · ')}`, '      '));
  }
  return lines;
}

function indent(text: string, prefix: string): string[] {
  return text.split('\n').map((line) => prefix + line);
}

const xml = (text: string) => text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/\u001b\[[0-9;]*m/g, '');

/** One testsuite per pact, one testcase per interaction; drift and unknown states are failures too. */
export function junitXml(report: VerificationReport): string {
  const suites = new Map<string, InteractionResult[]>();
  for (const r of report.results) suites.set(r.pact, [...(suites.get(r.pact) ?? []), r]);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const failures = report.results.filter((r) => r.status !== 'passed' || r.drift.length > 0).length;
  out.push(`<testsuites name="verify-pact" tests="${report.results.length}" failures="${failures}">`);
  for (const [pact, results] of suites) {
    const failed = results.filter((r) => r.status !== 'passed' || r.drift.length > 0).length;
    const seconds = results.reduce((sum, r) => sum + (r.durationMs ?? 0), 0) / 1000;
    out.push(`  <testsuite name="${xml(pact)}" tests="${results.length}" failures="${failed}" time="${seconds.toFixed(3)}">`);
    for (const r of results) {
      const name = r.states.length ? `${r.description} (given ${r.states.join(' and ')})` : r.description;
      out.push(`    <testcase classname="${xml(pact)}" name="${xml(name)}" time="${((r.durationMs ?? 0) / 1000).toFixed(3)}">`);
      if (r.status !== 'passed') {
        const kind = r.status === 'unknown-state' ? 'unknown provider state' : 'verification failed';
        out.push(`      <failure message="${xml(kind)}" type="${r.status}">${xml(r.problems.join('\n'))}</failure>`);
      } else if (r.drift.length > 0) {
        out.push(`      <failure message="spec drift" type="spec-drift">${xml(r.drift.map((d) => `${d.pointer}: ${d.message}`).join('\n'))}</failure>`);
      }
      if (r.notes.length) out.push(`      <system-out>${xml(r.notes.join('\n'))}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
