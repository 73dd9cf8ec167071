const TEXT_APPLICATION_TYPES = new Set([
  'application/json',
  'application/ld+json',
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/xml',
  'application/yaml',
  'application/x-yaml',
  'application/toml',
  'application/javascript',
  'application/ecmascript',
  'application/typescript',
  'application/sql',
  'application/graphql',
  'application/x-sh',
]);
const TEXT_SUFFIXES = ['+json', '+xml', '+yaml'];
const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);

/**
 * Whether a media type names UTF-8 text: `text/*`, JSON, XML, YAML and a few other textual
 * `application/*` types, in any case, with no charset parameter or a UTF-8 compatible one.
 * Only such artifacts are held inline and diffed.
 *
 * @example
 * isTextMediaType('text/markdown; charset=utf-8'); // true
 * isTextMediaType('image/png'); // false
 */
export function isTextMediaType(mediaType: string): boolean {
  const [essence = '', ...params] = mediaType.toLowerCase().split(';');
  const type = essence.trim();
  for (const param of params) {
    const [name = '', value = ''] = param.split('=');
    if (name.trim() === 'charset' && !UTF8_CHARSETS.has(value.trim().replace(/^"|"$/g, ''))) {
      return false;
    }
  }
  if (type.startsWith('text/') && type.length > 'text/'.length) return true;
  if (TEXT_APPLICATION_TYPES.has(type)) return true;
  return type.includes('/') && TEXT_SUFFIXES.some((suffix) => type.endsWith(suffix));
}
