// RFC 8785 (JSON Canonicalization Scheme) for values from JSON.parse. ECMAScript's own number
// and string serialization is what RFC 8785 specifies, so JSON.stringify does the leaf work; the
// scheme adds member names sorted by UTF-16 code units, which is what Array#sort does with strings.

/**
 * The RFC 8785 form of a JSON value, optionally without one member of the top-level object (the
 * bundle's `integrity`). Throws on values JSON cannot represent (non-finite numbers, undefined).
 *
 * @example
 * canonicalize({ b: 1, a: [true, 1e21] }); // '{"a":[true,1e+21],"b":1}'
 * @param {unknown} value
 * @param {string} [omitTopLevelMember]
 * @returns {string}
 */
export function canonicalize(value, omitTopLevelMember) {
  return serialize(value, omitTopLevelMember ?? null);
}

/**
 * @param {unknown} value
 * @param {string | null} omit
 * @returns {string}
 */
function serialize(value, omit) {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalize the number ${value}`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += serialize(/** @type {unknown} */ (value[i]), null);
        }
        return `${out}]`;
      }
      const record = /** @type {Record<string, unknown>} */ (value);
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        if (key === omit) continue;
        if (!first) out += ',';
        first = false;
        out += `${JSON.stringify(key)}:${serialize(record[key], null)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`cannot canonicalize a value of type ${typeof value}`);
  }
}
