/**
 * The fields whose values are 64-bit integers in OTLP JSON. Producers may write them as bare
 * numbers; JSON.parse would round those above 2^53, so they are quoted in the text first.
 */
const INT64_FIELD =
  /(?<!\\)"(startTimeUnixNano|endTimeUnixNano|timeUnixNano|start_time_unix_nano|end_time_unix_nano|time_unix_nano|observedTimeUnixNano|observed_time_unix_nano|intValue|int_value)"(\s*:\s*)(-?\d[\d.eE+-]*)/g;

/**
 * Parses OTLP JSON text like `JSON.parse`, except that 64-bit integer fields (times and
 * `intValue`) written as bare numbers are kept exact: they come back as strings of their digits.
 * Throws `SyntaxError` on text that is not JSON.
 *
 * Only field names of the OTLP model are touched, and only outside strings (a quote inside a JSON
 * string is always escaped, so `"intValue":` cannot start inside one).
 *
 * @example
 * parseOtlpJson('{"timeUnixNano":1700000000000000001}'); // { timeUnixNano: '1700000000000000001' }
 */
export function parseOtlpJson(text: string): unknown {
  return JSON.parse(text.replace(INT64_FIELD, '"$1"$2"$3"'));
}
