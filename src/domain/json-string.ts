// A string as JSON text, for the few answers and lines built as templates on the hot path (the
// request log line, a problem's `instance` and `request_id`): a string with nothing JSON must
// escape is quoted as it is; JSON.stringify costs a call into the runtime per string.
const NOTHING_TO_ESCAPE = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

export const jsonString = (value: string): string => (NOTHING_TO_ESCAPE.test(value) ? `"${value}"` : JSON.stringify(value));
