// Operations without a handler are still served: @stoplight/prism-http mocks them from the
// document's examples and schemas. Prism is handed only the matched operation, which keeps it
// at ~0.3 ms a request instead of scanning the whole document. Prism and its dependencies take
// ~0.5 s to import and seconds to read a large document, so they run in a worker thread, started
// when first needed.
import { startWorker } from '../store/worker-thread.ts';
import { listOperations, type HttpMethod, type OpenApiDocument, type PathItem } from './operations.ts';
import type { PrismAnswer, PrismAsk } from './prism-worker.ts';

export interface MockReply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface MockRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  body: unknown;
  /** The raw `Prefer` header: code=404, example=notFound, dynamic=true */
  prefer: string | undefined;
}

export interface PrismFallback {
  /** Resolves once Prism is loaded (it loads on the first reply otherwise). */
  ready(): Promise<void>;
  reply(operationId: string, request: MockRequest): Promise<MockReply>;
  /** Stops the worker thread, if it started. */
  close(): Promise<void>;
}

/** Parses Prism's `Prefer` tokens; unknown tokens are ignored as RFC 7240 asks. */
export function parsePrefer(header: string | undefined): { code?: number; exampleKey?: string; dynamic?: boolean } {
  const out: { code?: number; exampleKey?: string; dynamic?: boolean } = {};
  if (!header) return out;
  for (const token of header.split(/[,;]/)) {
    const [rawKey, rawValue] = token.split('=');
    const key = rawKey?.trim().toLowerCase();
    const value = rawValue?.trim().replace(/^"|"$/g, '');
    if (!key || value === undefined) continue;
    if (key === 'code' && /^\d{3}$/.test(value)) out.code = Number(value);
    else if (key === 'example') out.exampleKey = value;
    else if (key === 'dynamic') out.dynamic = value === 'true';
  }
  return out;
}

/**
 * Prism for the document's operations, in a worker thread (src/contract/prism-worker.ts). `lazy`:
 * the worker starts on the first mocked request (or by `ready()`), not now; otherwise now, so a
 * document Prism cannot read fails the start.
 */
export async function createPrismFallback(doc: OpenApiDocument, options: { lazy?: boolean } = {}): Promise<PrismFallback> {
  let loading: Promise<PrismThread> | undefined;
  const load = () => (loading ??= prismThread(doc));
  if (!options.lazy) await load();
  return {
    async ready() {
      await load();
    },
    reply: async (operationId, request) => (await load()).reply(operationId, request),
    async close() {
      const started = loading;
      loading = undefined;
      if (started) await started.then((thread) => thread.stop(), () => undefined);
    },
  };
}

type PrismThread = Pick<PrismFallback, 'reply'> & { stop(): Promise<void> };

/** Starts the worker and resolves once Prism has read the document; replies go by message. */
function prismThread(doc: OpenApiDocument): Promise<PrismThread> {
  const worker = startWorker(import.meta.url, 'prism-worker', { doc });
  worker.unref(); // an idle Prism never holds the process open
  const waiting = new Map<number, { resolve: (reply: MockReply) => void; reject: (error: Error) => void }>();
  let next = 0;
  return new Promise((resolve, reject) => {
    worker.on('message', (answer: PrismAnswer) => {
      if (answer.kind === 'ready') {
        resolve({
          stop: () => worker.terminate().then(() => undefined),
          reply: (operationId, request) =>
            new Promise<MockReply>((done, fail) => {
              const id = next++;
              waiting.set(id, { resolve: done, reject: fail });
              worker.postMessage({ id, operationId, request } satisfies PrismAsk);
            }),
        });
      } else if (answer.kind === 'failed') reject(new Error(`Prism cannot read the document: ${answer.message}`));
      else {
        const asked = waiting.get(answer.id);
        waiting.delete(answer.id);
        if (answer.kind === 'reply') asked?.resolve(answer.reply);
        else asked?.reject(Object.assign(new Error(answer.message), { status: answer.status, detail: answer.detail }));
      }
    });
    worker.once('error', (error) => {
      reject(error);
      for (const asked of waiting.values()) asked.reject(error);
      waiting.clear();
    });
  });
}

/** Prism with the document read into it (in the worker thread). */
export async function loadPrism(doc: OpenApiDocument): Promise<Pick<PrismFallback, 'reply'>> {
  const [{ createInstance, getHttpOperationsFromSpec }, { createLogger }] = await Promise.all([import('@stoplight/prism-http'), import('@stoplight/prism-core')]);
  // Prism mutates nothing we keep, but give it its own copy so it can dereference freely, with the
  // derived operationIds written in, so it knows every operation by the sandbox's name for it.
  const copy = structuredClone(doc);
  for (const op of listOperations(doc)) {
    const item = copy.paths?.[op.path] as PathItem | undefined;
    const operation = item?.[op.method];
    if (operation && !operation.operationId) operation.operationId = op.operationId;
  }
  const operations = await getHttpOperationsFromSpec(copy);
  const byId = new Map(operations.filter((op) => op.iid).map((op) => [op.iid as string, op]));
  const prism = createInstance(
    {
      mock: { dynamic: false },
      checkSecurity: false, // the sandbox's own policies already ran
      validateRequest: false, // …and so did its own validators
      validateResponse: false,
      errors: false,
      upstreamProxy: undefined,
      isProxy: false,
    },
    { logger: createLogger('prism', { enabled: false }) },
  );

  return {
    async reply(operationId, request) {
      const operation = byId.get(operationId);
      if (!operation) throw new Error(`Prism knows no operation ${operationId}.`);
      const prefer = parsePrefer(request.prefer);
      const result = await prism.request(
        {
          method: request.method.toLowerCase() as HttpMethod, // the request was routed to one of the document's operations
          url: { path: request.path, query: request.query },
          headers: request.headers,
          body: request.body,
        },
        [operation],
        {
          mock: { dynamic: prefer.dynamic ?? false, code: prefer.code, exampleKey: prefer.exampleKey },
          checkSecurity: false,
          validateRequest: false,
          validateResponse: false,
          errors: false,
          upstreamProxy: undefined,
          isProxy: false,
        },
      )();
      if (result._tag === 'Left') throw result.left;
      const output = result.right.output;
      return {
        status: output.statusCode,
        headers: Object.fromEntries(Object.entries(output.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)])),
        body: output.body,
      };
    },
  };
}
