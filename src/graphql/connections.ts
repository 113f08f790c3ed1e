// Cursor-paginated connections over the REST lists, which page by `page` and `limit`. A cursor
// names an item's position in the list; `after` starts behind it. The window [start, start+first)
// is read from one REST page, or two where it straddles a page boundary.
import { GraphQLError } from './graphql-js.ts';
import { restCall, type ArgumentNames, type Caller, type RestApi, type RestInput } from './rest-call.ts';

const PREFIX = 'gqc1.';
const MAX_FIRST = 100;

export const cursorAt = (position: number): string => PREFIX + Buffer.from(`o${position}`).toString('base64url');

/** The position a cursor names; a GraphQL error pointing at `after` when it is not one of ours. */
export function positionOf(cursor: string): number {
  const text = cursor.startsWith(PREFIX) ? Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString('utf8') : '';
  const match = /^o(\d{1,9})$/.exec(text);
  if (!match) throw inputError('after', 'is not a cursor of this connection: pass page_info.end_cursor or an edge cursor of an earlier answer');
  return Number(match[1]);
}

export function inputError(argument: string, message: string): GraphQLError {
  return new GraphQLError(`The input is invalid; see errors. (${argument}: ${message})`, {
    extensions: { code: 'validation_failed', status: 400, errors: [{ argument, message }] },
  });
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  page_info: { has_next_page: boolean; end_cursor: string | null };
  total_count: number;
}

interface RestPage<T> {
  data: T[];
  pagination: { total: number };
}

/** A connection over a page-and-limit REST list: `first` items after the `after` cursor. */
export async function connection<T>(
  api: RestApi,
  caller: Caller,
  operationId: string,
  args: { first?: number | null; after?: string | null },
  input: RestInput,
  names: ArgumentNames = {},
  root = false,
): Promise<Connection<T>> {
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 1 || first > MAX_FIRST) throw inputError('first', `must be an integer from 1 to ${MAX_FIRST}`);
  const start = args.after ? positionOf(args.after) + 1 : 0;
  const pageOf = (page: number) =>
    restCall(api, caller, operationId, { ...input, query: { ...input.query, page, limit: first } }, { ...names, query: { limit: 'first', page: 'after', ...names.query } }, root && page === Math.floor(start / first) + 1) as Promise<RestPage<T>>;
  const page = Math.floor(start / first) + 1;
  const one = await pageOf(page);
  let items = one.data.slice(start % first);
  if (start % first !== 0 && items.length < first && page * first < one.pagination.total) items = items.concat((await pageOf(page + 1)).data).slice(0, first);
  const edges = items.map((node, i) => ({ cursor: cursorAt(start + i), node }));
  return {
    edges,
    nodes: items,
    page_info: { has_next_page: start + items.length < one.pagination.total, end_cursor: edges.at(-1)?.cursor ?? null },
    total_count: one.pagination.total,
  };
}
