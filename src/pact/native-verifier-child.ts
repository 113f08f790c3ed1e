// Runs the Pact verifier (the native pact_ffi engine through @pact-foundation/pact-core) in a child
// process of `verify-pact`, so that the engine's own console output stays out of the report and a
// crash of the native library cannot take the CLI down. Reads its options from the JSON file in
// argv[2], writes {passed, output} as JSON to the file in argv[3]. See native-verifier.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import pactCore from '@pact-foundation/pact-core';

// A CommonJS module: its default export arrives as `.default` or as the module itself.
const pact = ((pactCore as { default?: unknown }).default ?? pactCore) as { verifyPacts(options: unknown): Promise<string> };

const [optionsFile, resultFile] = process.argv.slice(2) as [string, string];
const options: unknown = JSON.parse(readFileSync(optionsFile, 'utf8'));
try {
  const output = await pact.verifyPacts(options);
  writeFileSync(resultFile, JSON.stringify({ passed: true, output }));
} catch (error) {
  writeFileSync(resultFile, JSON.stringify({ passed: false, output: (error as Error).message }));
}
