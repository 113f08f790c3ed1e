// Lists every example of both specs that does not fit the default world or its schema, at once:
//
//   npx tsx scripts/check-spec-examples.ts
//
// The same checks as test/specs/spec-examples.test.ts (what they are: test/support/spec-examples.ts),
// for whoever edits a spec or the fixtures. Exits 1 when something is off.
import { checkExamples, defaultWorld, invalidExamples, loadSpecs, requestExamples } from '../test/support/spec-examples.ts';
import { createSandbox } from '../src/server/app.ts';

const specs = await loadSpecs();
const sandbox = await createSandbox({ rateLimits: false });
try {
  const findings = [
    ...specs.flatMap((spec) => requestExamples(spec).findings),
    ...checkExamples(specs, defaultWorld(sandbox.store)).findings,
    ...specs.flatMap((spec) => invalidExamples(spec)),
  ];
  for (const finding of new Set(findings)) console.log(finding);
  console.log(findings.length ? `\n${findings.length} finding(s).` : 'Every example fits the default world and its schema.');
  process.exitCode = findings.length ? 1 : 0;
} finally {
  await sandbox.close();
}
