/**
 * Escapes text for an HTML text node or a double-quoted attribute value.
 *
 * @example
 * escapeHtml('<b>"x"</b>'); // '&lt;b&gt;&quot;x&quot;&lt;/b&gt;'
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(HIDDEN, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * What the page shows as a `\u` escape rather than obeys, as its own text (page/dom.ts `visible`):
 * bidi controls that reorder text (a file name or run name holding U+202E displays reversed) and
 * C0/C1 controls but tab, line feed and carriage return.
 */
const HIDDEN =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON for a `<script type="application/json">` element. Every `<` is written as `\u003c` (JSON
 * allows it only inside strings, where the escape means the same character), so no content can
 * close the element or open a comment in it.
 *
 * @example
 * embedJson('</script>'); // '"\\u003c/script>"'
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}
