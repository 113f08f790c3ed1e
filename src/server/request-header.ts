// One request header, read the cheap way. On a real socket Node has parsed the headers already
// (lower-cased names, values trimmed, a repeated Authorization or Content-Length dropped or
// refused); hono's c.req.header() goes through @hono/node-server's fetch-style Headers, which
// checks the name with a regex, lower-cases it and scans the value again on every read. Through
// app.request() (tests, in-process use) there is no Node request, and hono's reader is used.
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/** The value of header `lowerName` (give it in lower case), or undefined. */
export function requestHeader(c: Context, lowerName: string): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming?.headers) {
    const value = incoming.headers[lowerName];
    return typeof value === 'string' ? value : value?.join(', ');
  }
  return c.req.header(lowerName);
}
