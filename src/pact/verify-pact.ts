// `marketplace-sandbox verify-pact`: verifies a partner's consumer pact (Pact specification v2–v4,
// HTTP interactions and webhook messages) against a sandbox, and cross-checks it with the OpenAPI
// contract. One run:
//   1. loads the pact(s) and the optional states file; interactions whose provider states nothing
//      knows are reported as such and not replayed;
//   2. starts a sandbox in-process (unless --url), creates a fresh tenant for the run;
//   3. runs the Pact verifier engine against the verification gateway, which resets the tenant
//      before each interaction, sets up its states, produces its messages and forwards its requests;
//   4. checks each HTTP interaction against the spec (unless --no-check-spec);
//   5. reports per interaction (text, optional JUnit XML); when a state was unknown, the report
//      lists the known forms once (`knownStates`), and each unknown state names its nearest form.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveAdminToken } from '../control/admin-token.ts';
import { DEFAULT_SPEC } from '../sandbox-files.ts';
import type { RunningSandbox } from './in-process-sandbox.ts';
import { runNativeVerifier, type EngineMismatch, type NativeVerdict } from './native-verifier.ts';
import { loadPacts, pactWithout, responseHeaderRegexes, type PactDocument, type PactInteraction } from './pact-file.ts';
import { knownStateForms, loadStatesFile, StateResolver, unknownStateMessage, type StatesFile } from './provider-states.ts';
import { SandboxSession } from './sandbox-session.ts';
import { SpecCrossCheck } from './spec-drift.ts';
import { VerificationGateway, type InteractionTrace } from './verification-gateway.ts';
import { junitXml, type InteractionResult, type VerificationReport } from './verification-report.ts';
import { WebhookCapture } from './webhook-messages.ts';

export interface VerifyPactOptions {
  /** A pact file, a directory of pact files, or an http(s) URL of one. */
  source: string;
  /** A running sandbox; omitted: one is started in-process for the run. */
  url?: string;
  /** Admin token of the sandbox at `url` (default: env SANDBOX_ADMIN_TOKEN, then the sandbox's default). */
  adminToken?: string;
  /** YAML file of the partner's own provider states. */
  statesFile?: string;
  junitFile?: string;
  /** Pact ↔ spec cross-check (default true). */
  checkSpec?: boolean;
  /** OpenAPI document for the cross-check (default: the marketplace spec). */
  specFile?: string;
  /** Address the sandbox can reach this process at, for webhook deliveries (default 127.0.0.1). */
  webhookHost?: string;
  /** Receives the verifier engine's own output. */
  onEngineOutput?(text: string): void;
}

export async function verifyPact(options: VerifyPactOptions): Promise<VerificationReport> {
  const docs = await loadPacts(options.source);
  const statesFile = options.statesFile ? await loadStatesFile(options.statesFile) : null;
  const resolver = new StateResolver(statesFile);
  const crossCheck = options.checkSpec === false ? null : await SpecCrossCheck.load(options.specFile ?? DEFAULT_SPEC);

  let running: RunningSandbox | null = null;
  let capture: WebhookCapture | null = null;
  let gateway: VerificationGateway | null = null;
  const workDir = await mkdtemp(join(tmpdir(), 'verify-pact-'));
  try {
    // Loaded only when needed: with --url, verify-pact never loads the server.
    running = options.url ? null : await (await import('./in-process-sandbox.ts')).startInProcessSandbox();
    const url = options.url ?? running!.url;
    const adminToken = options.url ? resolveAdminToken(options.adminToken) : running!.adminToken;
    const session = await SandboxSession.open({ url, adminToken, name: `verify-pact ${new Date().toISOString()}` });
    const messages = docs.flatMap((d) => d.interactions.filter((i) => i.kind === 'message'));
    if (messages.length > 0) capture = await WebhookCapture.start(options.webhookHost);
    gateway = await VerificationGateway.start(session, resolver, messages, capture);

    const results: InteractionResult[] = [];
    for (const [index, doc] of docs.entries()) {
      const unknown = (i: PactInteraction) => i.states.filter((s) => resolver.find(s.name) === null).map((s) => s.name);
      const runnable = doc.interactions.filter((i) => unknown(i).length === 0);
      let verdict: NativeVerdict | null = null;
      const tracesBefore = gateway.traces.length;
      if (runnable.length > 0) {
        const file = join(workDir, `pact-${index}.json`);
        await writeFile(file, pactWithout(doc, (i) => unknown(i).length === 0));
        verdict = await runNativeVerifier({ pactFile: file, provider: doc.provider, gatewayUrl: gateway.url, gatewayPort: gateway.port, onOutput: options.onEngineOutput });
      }
      const traces = gateway.traces.slice(tracesBefore);
      for (const { interaction, result } of resultsOf(doc, verdict, traces, gateway, unknown, statesFile)) {
        if (crossCheck) result.drift = crossCheck.check(interaction).findings;
        results.push(result);
      }
    }
    const report: VerificationReport = { sandbox: options.url ?? `an in-process sandbox (${url})`, tenantId: session.tenantId, specChecked: crossCheck !== null, results };
    if (results.some((r) => r.status === 'unknown-state')) report.knownStates = knownStateForms();
    if (options.junitFile) await writeFile(options.junitFile, junitXml(report));
    return report;
  } finally {
    await gateway?.close();
    await capture?.close();
    await running?.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

function resultsOf(
  doc: PactDocument,
  verdict: NativeVerdict | null,
  traces: InteractionTrace[],
  gateway: VerificationGateway,
  unknown: (i: PactInteraction) => string[],
  statesFile: StatesFile | null,
): { interaction: PactInteraction; result: InteractionResult }[] {
  const pact = `${doc.consumer} → ${doc.provider}`;
  const used = new Set<number>();
  let position = 0;
  return doc.interactions.map((interaction) => {
    const base = {
      pact,
      description: interaction.description,
      states: interaction.states.map((s) => s.name),
      kind: interaction.kind,
      notes: [] as string[],
      drift: [],
      durationMs: null as number | null,
    };
    const missing = unknown(interaction);
    if (missing.length > 0) {
      return { interaction, result: { ...base, status: 'unknown-state' as const, problems: missing.map((name) => unknownStateMessage(name, statesFile)) } };
    }
    // The engine verifies the interactions in file order; descriptions may repeat (with other states).
    const at = verdict?.interactionResults.findIndex((r, i) => !used.has(i) && r.description === interaction.description) ?? -1;
    const trace = traces[position++];
    if (at < 0) return { interaction, result: { ...base, status: 'failed' as const, problems: ['the Pact verifier reported nothing for this interaction'] } };
    used.add(at);
    const outcome = verdict!.interactionResults[at]!;
    const given = interaction.states.length ? ` Given ${interaction.states.map((s) => s.name).join(' And ')}` : '';
    const errors = verdict!.errors.filter((e) => e.interaction.endsWith(`${given} - ${interaction.description}`));
    const problems = [
      ...(trace?.errors ?? []),
      ...(gateway.messageErrors.has(interaction.description) ? [`producing the message: ${gateway.messageErrors.get(interaction.description)}`] : []),
      ...errors.flatMap((e) =>
        e.mismatch.mismatches?.length ? e.mismatch.mismatches.map((m) => mismatchText(m, interaction)) : [String(e.mismatch.message ?? JSON.stringify(e.mismatch))],
      ),
    ];
    const passed = outcome.result === 'OK' && problems.length === 0;
    const result: InteractionResult = {
      ...base,
      status: passed ? 'passed' : 'failed',
      problems: passed ? [] : problems.length ? problems : ['the Pact verifier marked it failed'],
      notes: trace?.notes ?? [],
      durationMs: duration(outcome.duration),
    };
    return { interaction, result };
  });
}

/** A mismatch as the report shows it, with what the engine's words leave out where partners trip. */
function mismatchText(m: EngineMismatch, interaction: PactInteraction): string {
  const text = (m.path ? `${m.path}: ${m.mismatch}` : m.mismatch).replace(/\u001b\[[0-9;]*m/g, '');
  const partial = m.type === 'HeaderMismatch' && typeof m.key === 'string' && typeof m.actual === 'string' ? partialHeaderMatch(interaction, m.key, m.actual) : null;
  return partial ? `${text}\n${partial}` : text;
}

/**
 * Pact matches a header regex against the whole value, where most regex tools look for a match
 * anywhere: a rule that finds a match inside the value but not across all of it gets that said.
 */
function partialHeaderMatch(interaction: PactInteraction, header: string, actual: string): string | null {
  for (const regex of responseHeaderRegexes(interaction).get(header.toLowerCase()) ?? []) {
    let anywhere: RegExp;
    try {
      anywhere = new RegExp(regex);
    } catch {
      continue; // a Rust regex JavaScript cannot read: nothing to say about it
    }
    if (!anywhere.test(actual) || new RegExp(`^(?:${regex})$`).test(actual)) continue;
    const atStart = new RegExp(`^(?:${regex})`).test(actual);
    const atEnd = new RegExp(`(?:${regex})$`).test(actual);
    const grouped = regex.includes('|') ? `(?:${regex})` : regex;
    const whole = atStart && !atEnd ? `${grouped}.*` : atEnd && !atStart ? `.*${grouped}` : `.*${grouped}.*`;
    return `Pact regexes must match the whole header value: '${regex}' matches only part of '${actual}'. To accept the rest of the value, write '${whole}'.`;
  }
  return null;
}

function duration(text: string | undefined): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text ?? '');
  if (!match) return null;
  return match[2] === 's' ? Number(match[1]) * 1000 : Number(match[1]);
}
