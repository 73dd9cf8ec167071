/**
 * Escapes text for an HTML text node or a double-quoted attribute value.
 *
 * @example
 * escapeHtml('<b>"x"</b>'); // '&lt;b&gt;&quot;x&quot;&lt;/b&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

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
