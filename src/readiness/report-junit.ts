// readiness.xml: the readiness report as JUnit XML, so any CI lists the failed rules. One
// testsuite, one testcase per rule: a failed rule (or a required one not exercised) is a
// <failure> with what was measured, the evidence and what to change; a rule not exercised is
// <skipped>; a warning passes, with its text in <system-out>.
import { escapeHtml as xml } from '../checks/sla-report-html.ts';
import type { ReadinessReport, RuleResult } from '../domain/readiness.ts';

function details(rule: RuleResult): string {
  const lines = rule.checks.map((c) => `[${c.verdict}] ${c.name}: ${c.measured} (threshold: ${c.threshold})${c.evidence.length ? `\n    evidence: ${c.evidence.join(', ')}` : ''}`);
  if (rule.advice) lines.push(`What to change: ${rule.advice}`);
  lines.push(`Rule: ${rule.source}`);
  return lines.join('\n');
}

export function readinessJunit(report: ReadinessReport): string {
  const failing = (r: RuleResult) => r.verdict === 'fail' || (r.required && r.verdict === 'not_exercised');
  const failures = report.rules.filter(failing).length;
  const skipped = report.rules.filter((r) => r.verdict === 'not_exercised' && !r.required).length;
  const cases = report.rules.map((rule) => {
    const head = `    <testcase classname="readiness.${xml(report.tenant_id)}" name="${xml(rule.id)}: ${xml(rule.title)}">`;
    if (failing(rule)) {
      const message = rule.verdict === 'fail' ? rule.checks.filter((c) => c.verdict === 'fail').map((c) => c.measured).join('; ') : 'required by the profile but not exercised by the run';
      return `${head}\n      <failure message="${xml(message)}" type="${rule.verdict}">${xml(details(rule))}</failure>\n    </testcase>`;
    }
    if (rule.verdict === 'not_exercised') return `${head}\n      <skipped message="not exercised"/>\n    </testcase>`;
    return `${head}\n      <system-out>${xml(details(rule))}</system-out>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="marketplace-sandbox readiness" tests="${report.rules.length}" failures="${failures}" skipped="${skipped}">`,
    `  <testsuite name="readiness ${xml(report.tenant_id)} (${xml(report.profile)})" tests="${report.rules.length}" failures="${failures}" skipped="${skipped}" timestamp="${xml(report.generated_at)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
