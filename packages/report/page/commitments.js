// Bundle schema version 3 seals commitments, not content: `integrity.sha256` hashes the bundle with
// every inline content member set to null (and without `redactions`), and each content present
// must hash to the sha256 beside it. So content can be redacted, or lost to a backend's limit,
// without changing the hash, and what is present is still checked. Versions 1 and 2 hash
// everything but `integrity`. The rules are the bundle package's (docs: bundle schema v3).

import { asArray, asObject } from './read.js';

/**
 * @typedef {'model_input' | 'model_output' | 'tool_arguments' | 'tool_result'
 *   | 'artifact_content' | 'artifact_patch'} ContentKind
 * @typedef {{ path: string, kind: ContentKind, content: unknown, commitment: unknown }} ContentMember
 * @typedef {{ path: string, kind: string }} Redaction
 */

/** The kinds of content a redaction names, in the order the page lists them. */
export const CONTENT_KINDS = /** @type {const} */ ([
  'model_input',
  'model_output',
  'tool_arguments',
  'tool_result',
  'artifact_content',
  'artifact_patch',
]);

/**
 * What a version 3 bundle's `integrity.sha256` hashes: the bundle without `integrity` and
 * `redactions`, with the content of every model input and output, tool call argument and result,
 * and artifact content and patch set to null. The value given is not changed.
 *
 * @example
 * canonicalize(integrityView(bundle)); // the text whose sha256 is integrity.sha256
 * @param {Record<string, unknown>} bundle
 * @returns {Record<string, unknown>}
 */
export function integrityView(bundle) {
  /** @type {Record<string, unknown>} */
  const view = {};
  for (const key of Object.keys(bundle)) {
    if (key === 'integrity' || key === 'redactions') continue;
    // defineProperty keeps a member named __proto__ a member.
    Object.defineProperty(view, key, {
      value: bundle[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  if (Array.isArray(view['model_io'])) {
    view['model_io'] = view['model_io'].map((/** @type {unknown} */ m) =>
      withNulled(m, ['input', 'output'], 'content'),
    );
  }
  if (Array.isArray(view['events'])) {
    view['events'] = view['events'].map((/** @type {unknown} */ e) =>
      asObject(e)?.['type'] === 'tool_call' ? withNulled(e, ['arguments', 'result'], 'content') : e,
    );
  }
  if (Array.isArray(view['artifacts'])) {
    view['artifacts'] = view['artifacts'].map((/** @type {unknown} */ a) => {
      const o = asObject(a);
      return o ? { ...o, content: null, patch: null } : a;
    });
  }
  return view;
}

/**
 * Every content member of a bundle with the commitment it must hash to, by JSON pointer: the
 * `content` of model inputs and outputs and of tool call arguments and results (beside their
 * `sha256`), an artifact's `content` (beside `sha256`) and `patch` (beside `patchSha256`).
 *
 * @example
 * contentMembers(bundle)[0]; // { path: '/model_io/0/input/content', kind: 'model_input', content, commitment }
 * @param {unknown} bundle
 * @returns {ContentMember[]}
 */
export function contentMembers(bundle) {
  const o = asObject(bundle);
  if (o === null) return [];
  /** @type {ContentMember[]} */
  const out = [];
  /**
   * @param {unknown} ref
   * @param {string} path
   * @param {ContentKind} kind
   */
  const ref = (ref, path, kind) => {
    const r = asObject(ref);
    if (r)
      out.push({ path: `${path}/content`, kind, content: r['content'], commitment: r['sha256'] });
  };
  // In the bundle package's order, so that both list problems alike.
  asArray(o['artifacts']).forEach((a, i) => {
    const r = asObject(a);
    if (!r) return;
    out.push({
      path: `/artifacts/${i}/content`,
      kind: 'artifact_content',
      content: r['content'],
      commitment: r['sha256'],
    });
    out.push({
      path: `/artifacts/${i}/patch`,
      kind: 'artifact_patch',
      content: r['patch'],
      commitment: r['patchSha256'],
    });
  });
  asArray(o['events']).forEach((e, i) => {
    const r = asObject(e);
    if (!r || r['type'] !== 'tool_call') return;
    ref(r['arguments'], `/events/${i}/arguments`, 'tool_arguments');
    ref(r['result'], `/events/${i}/result`, 'tool_result');
  });
  asArray(o['model_io']).forEach((m, i) => {
    const r = asObject(m);
    if (!r) return;
    ref(r['input'], `/model_io/${i}/input`, 'model_input');
    ref(r['output'], `/model_io/${i}/output`, 'model_output');
  });
  return out;
}

/**
 * The `redactions` of a bundle as a list of `{ path, kind }` (the malformed entries left out; the
 * check reports them), [] when there are none.
 *
 * @example
 * readRedactions(bundle); // [{ path: '/model_io/0/input/content', kind: 'model_input' }]
 * @param {unknown} bundle
 * @returns {Redaction[]}
 */
export function readRedactions(bundle) {
  return asArray(asObject(bundle)?.['redactions']).flatMap((r) => {
    const o = asObject(r);
    return o && typeof o['path'] === 'string' && typeof o['kind'] === 'string'
      ? [{ path: o['path'], kind: o['kind'] }]
      : [];
  });
}

/**
 * Checks a version 3 bundle's content against its commitments and its `redactions` list: each
 * content string present hashes to its commitment (`content_mismatch` at the content's path, also when
 * it has no commitment), and each redaction names a content member of its kind that is null and
 * has a commitment (`bad_redaction`).
 *
 * @example
 * const problems = await checkCommitments(bundle, (s) => sha256Text(s, subtle).then((r) => r.hex));
 * @param {Record<string, unknown>} bundle
 * @param {(text: string) => Promise<string>} sha256
 * @returns {Promise<Array<{ code: 'content_mismatch' | 'bad_redaction', path: string, message: string }>>}
 */
export async function checkCommitments(bundle, sha256) {
  /** @type {Array<{ code: 'content_mismatch' | 'bad_redaction', path: string, message: string }>} */
  const problems = [];
  const members = contentMembers(bundle);
  for (const m of members) {
    // Null is absent or redacted; any other non-string is the schema's to report.
    if (typeof m.content !== 'string') continue;
    if (typeof m.commitment !== 'string') {
      problems.push({
        code: 'content_mismatch',
        path: m.path,
        message: 'content is present but has no sha256 commitment beside it',
      });
      continue;
    }
    const hex = await sha256(m.content);
    if (hex !== m.commitment) {
      problems.push({
        code: 'content_mismatch',
        path: m.path,
        message: `content hashes to ${hex}, but its commitment says ${m.commitment}`,
      });
    }
  }
  const redactions = bundle['redactions'];
  if (redactions === undefined) return problems;
  if (!Array.isArray(redactions)) {
    problems.push({
      code: 'bad_redaction',
      path: '/redactions',
      message: 'redactions is not a list',
    });
    return problems;
  }
  const byPath = new Map(members.map((m) => [m.path, m]));
  redactions.forEach((/** @type {unknown} */ r, i) => {
    const o = asObject(r);
    const path = o && typeof o['path'] === 'string' ? o['path'] : null;
    const kind = o && typeof o['kind'] === 'string' ? o['kind'] : null;
    const m = path === null ? undefined : byPath.get(path);
    /** @param {string} why */
    const bad = (why) =>
      problems.push({ code: 'bad_redaction', path: `/redactions/${i}`, message: why });
    if (path === null || kind === null) bad('a redaction is { path, kind }');
    else if (m === undefined) bad(`${path} is not a content member`);
    else if (m.kind !== kind) bad(`${path} holds ${m.kind}, not ${kind}`);
    else if (m.content !== null) bad(`${path} is listed as redacted but is not null`);
    else if (typeof m.commitment !== 'string') {
      bad(`${path} is listed as redacted but has no sha256 commitment`);
    }
  });
  return problems;
}

/**
 * @param {unknown} value
 * @param {string[]} refs
 * @param {string} member
 * @returns {unknown}
 */
function withNulled(value, refs, member) {
  const o = asObject(value);
  if (!o) return value;
  /** @type {Record<string, unknown>} */
  const copy = { ...o };
  for (const ref of refs) {
    const r = asObject(copy[ref]);
    if (r) copy[ref] = { ...r, [member]: null };
  }
  return copy;
}
