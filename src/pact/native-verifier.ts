// The Pact verifier engine, run in a child process (native-verifier-child.ts) against the
// verification gateway. Returns the engine's JSON verdict: per interaction OK or Error, and the
// mismatches of the failed ones.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isRecord } from './pact-file.ts';

export interface NativeVerdict {
  /** Per interaction, in the order verified: `result` is "OK" or "Error". */
  interactionResults: { description: string; result: string; duration?: string }[];
  /** `interaction` is "Verifying a pact between C and P Given S - description". */
  errors: { interaction: string; mismatch: { type: string; mismatches?: EngineMismatch[]; message?: string } }[];
  /** The engine's own human-readable output (ANSI coloured). */
  output: string[];
  result: boolean;
}

/** One mismatch as the engine reports it; header mismatches name the header (`key`) and its `actual` value. */
export interface EngineMismatch {
  type?: string;
  path?: string;
  key?: string;
  actual?: unknown;
  expected?: unknown;
  mismatch: string;
}

export interface NativeRun {
  pactFile: string;
  provider: string;
  gatewayUrl: string;
  gatewayPort: number;
  /** The child's console output, for --verbose. */
  onOutput?(text: string): void;
}

/** The child beside this module: compiled (.js, plain node) in the build, .ts under tsx in development and tests. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const CHILD = fileURLToPath(new URL(`./native-verifier-child.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url));
/** Under tsx, the child needs tsx's loader too (found from this package, so any directory works). */
const childArgs = (): string[] =>
  FROM_SOURCE ? ['--import', pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'loader.mjs')).href] : [];

export async function runNativeVerifier(run: NativeRun): Promise<NativeVerdict> {
  const dir = await mkdtemp(join(tmpdir(), 'verify-pact-'));
  try {
    const optionsFile = join(dir, 'options.json');
    const resultFile = join(dir, 'result.json');
    await writeFile(
      optionsFile,
      JSON.stringify({
        provider: run.provider,
        providerBaseUrl: run.gatewayUrl,
        pactUrls: [run.pactFile],
        providerStatesSetupUrl: `${run.gatewayUrl}/_pactSetup`,
        transports: [{ protocol: 'message', port: run.gatewayPort, path: '/_messages' }],
        logLevel: 'error',
      }),
    );
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [...childArgs(), CHILD, optionsFile, resultFile], {
        env: { ...process.env, PACT_DO_NOT_TRACK: 'true', HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (chunk: Buffer) => run.onOutput?.(chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => run.onOutput?.(chunk.toString('utf8')));
      child.on('error', reject);
      child.on('exit', () => resolve());
    });
    const result: unknown = JSON.parse(await readFile(resultFile, 'utf8').catch(() => '{"passed":false,"output":"the verifier process died without a result"}'));
    const output = isRecord(result) && typeof result.output === 'string' ? result.output : 'the verifier process wrote no output';
    try {
      // The engine's own JSON (pact_ffi's verification result).
      return JSON.parse(output) as NativeVerdict;
    } catch {
      throw new Error(`the Pact verifier could not run: ${output}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
