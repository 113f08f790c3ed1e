// Prism in a worker thread (started by src/contract/prism-fallback.ts): it imports Prism, reads
// the document into it and answers mock requests by message. Reading a large document takes
// Prism seconds of CPU (3 s for 659 operations); on the serving thread that stalled every request.
import { parentPort, workerData } from 'node:worker_threads';
import { loadPrism, type MockReply, type MockRequest } from './prism-fallback.ts';
import type { OpenApiDocument } from './operations.ts';

export type PrismAsk = { id: number; operationId: string; request: MockRequest };
export type PrismAnswer =
  | { kind: 'ready' }
  | { kind: 'failed'; message: string }
  | { kind: 'reply'; id: number; reply: MockReply }
  | { kind: 'refused'; id: number; status?: number; detail?: string; message: string };

const port = parentPort!;
try {
  const prism = await loadPrism(workerData.doc as OpenApiDocument);
  port.on('message', (ask: PrismAsk) => {
    prism.reply(ask.operationId, ask.request).then(
      (reply) => port.postMessage({ kind: 'reply', id: ask.id, reply } satisfies PrismAnswer),
      (error: { status?: number; detail?: string; message?: string }) =>
        port.postMessage({ kind: 'refused', id: ask.id, status: error.status, detail: error.detail, message: String(error.message ?? error) } satisfies PrismAnswer),
    );
  });
  port.postMessage({ kind: 'ready' } satisfies PrismAnswer);
} catch (error) {
  port.postMessage({ kind: 'failed', message: (error as Error).message } satisfies PrismAnswer);
}
