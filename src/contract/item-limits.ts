// Batch limits. A batch body (availability items, inventory sync lines, bulk products) declares
// its limit in the spec as `maxItems` on its top-level array, and the operation documents a 413.
// A body over that limit is not "invalid" in the 400 sense: it is too large, and the partner's fix
// is to split it. So such a body answers 413 payload_too_large, naming the limit, whatever else
// might be wrong inside it. The spec stays the one place where each limit is written.
import type { ErrorObject } from 'ajv';
import { decodeSegment } from './json-pointer.ts';
import { findResponse, type Operation } from './operations.ts';
import { Problem } from '../server/problem.ts';

const TOP_LEVEL_MEMBER = /^\/[^/]+$/;

/** The 413 for a body whose top-level array exceeds its maxItems, or null. */
export function itemLimitProblem(op: Operation, errors: ErrorObject[] | null | undefined, body: unknown): Problem | null {
  const over = errors?.find((e) => e.keyword === 'maxItems' && TOP_LEVEL_MEMBER.test(e.instancePath));
  if (!over || findResponse(op, 413)?.status !== '413') return null;
  const member = decodeSegment(over.instancePath.slice(1));
  const limit = Number(over.params.limit);
  const received = (body as Record<string, unknown[]>)[member]?.length ?? 0;
  return new Problem(
    413,
    'payload_too_large',
    `${op.operationId} takes at most ${limit} ${member} per request; this one has ${received}. Split it into requests of ${limit} or fewer.`,
    { max_items: limit, received_items: received, errors: [{ pointer: `/body${over.instancePath}`, message: `must NOT have more than ${limit} items` }] },
  );
}
