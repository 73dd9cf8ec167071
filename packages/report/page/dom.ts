// DOM building with text nodes and attributes only: no bundle string is ever parsed as HTML.

export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined>;

/**
 * Creates an HTML element with attributes (false, null and undefined are left out; true sets an
 * empty attribute) and children (strings become text nodes).
 *
 * @example
 * h('td', { class: 'num' }, formatCount(12345));
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/**
 * Creates an SVG element, as {@link h} does.
 *
 * @example
 * svg('rect', { x: 0, y: 0, width: 10, height: 10 });
 */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/**
 * Appends children to a node; strings and numbers become text nodes, empty values are skipped.
 *
 * @example
 * append(cell, [' ', badge('ok')]);
 */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(
      typeof child === 'object' ? child : document.createTextNode(visible(String(child))),
    );
  }
}

/**
 * Bidi controls that reorder what is displayed (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069),
 * and C0/C1 controls but tab, line feed and carriage return, which a page shows as nothing.
 */
const HIDDEN =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text as it is, with each character that could reorder or hide part of it written as a visible
 * `\u` escape (as the CLI writes it): an actor holding U+202E displays as sent, not reversed.
 * Every text the page shows goes through it (see {@link append}).
 *
 * @example
 * visible('moc.elpmaxe@\u202eevil'); // 'moc.elpmaxe@\\u202eevil'
 */
export function visible(text: string): string {
  return text.replace(HIDDEN, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Removes every child of a node.
 *
 * @example
 * clear(section);
 */
export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}
function setAttrs(el: Element, attrs: Attrs | null | undefined) {
  if (!attrs) return;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    // A tooltip is displayed text too.
    const text = value === true ? '' : String(value);
    el.setAttribute(name, name === 'title' || name === 'aria-label' ? visible(text) : text);
  }
}
