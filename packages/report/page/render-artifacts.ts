// What each step produced and how it changed: artifacts by key, their version history, and the
// diff from each version to the next.

import { diffLines, parsePatch } from './diff.js';
import { disputedBadge } from './render-disputes.js';
import { h } from './dom.js';
import { formatBytes, formatClock, formatOmitted, shortHash } from './format.js';
import { renderPaged } from './paging.js';
import { codeBlock, dataTable, note, orDash } from './ui.js';
import { groupArtifacts } from './view-model.js';
import type { ArtifactView } from './view-model.js';
import type { DiffLine } from './diff.js';

/** Artifact keys shown before "Show more". */
export const ARTIFACTS_PAGE = 20;

/**
 * Fills the artifacts section.
 *
 * @example
 * renderArtifacts(section, view.artifacts);
 */
export function renderArtifacts(el: HTMLElement, artifacts: ArtifactView[]): void {
  if (artifacts.length === 0) {
    el.append(note('No artifacts were recorded in this run.'));
    return;
  }
  const groups = [...groupArtifacts(artifacts)];
  const list = h('div', { class: 'artifacts' });
  el.append(list);
  renderPaged({
    container: list,
    anchor: list,
    items: groups,
    pageSize: ARTIFACTS_PAGE,
    noun: 'artifacts',
    render: ([key, versions]) => artifactCard(key, versions),
  });
}
function artifactCard(key: string, versions: ArtifactView[]) {
  const latest = versions[versions.length - 1];
  const { table, tbody } = dataTable(
    `Versions of ${key}`,
    ['Version', 'Step', 'Time (UTC)', { text: 'Size', class: 'num' }, 'sha256', 'Content'],
    'versions',
  );
  for (const v of versions) {
    tbody.append(
      h(
        'tr',
        null,
        h(
          'th',
          { scope: 'row' },
          versionLabel(v.version),
          v.parentVersion !== null
            ? h('span', { class: 'cell-sub' }, `from ${versionLabel(v.parentVersion)}`)
            : null,
        ),
        h('td', null, orDash(v.stepId)),
        h('td', { class: 'time', title: v.time ?? null }, formatClock(v.time)),
        h('td', { class: 'num' }, formatBytes(v.size)),
        h('td', null, v.sha256 ? h('code', { title: v.sha256 }, `${shortHash(v.sha256)}…`) : '—'),
        h(
          'td',
          null,
          v.content !== null
            ? 'inline'
            : v.redactedContent
              ? h('span', { class: 'muted redacted' }, 'redacted')
              : v.omittedContent !== null
                ? h('span', { class: 'muted' }, formatOmitted(v.omittedContent))
                : h('span', { class: 'muted' }, 'not recorded'),
        ),
      ),
    );
  }

  const changes = h('div', { class: 'changes' });
  versions.forEach((v, i) => {
    const parent =
      (v.parentVersion !== null
        ? versions.find((p) => p.version === v.parentVersion)
        : undefined) ?? (i > 0 ? versions[i - 1] : undefined);
    if (!parent && v.patch === null) {
      if (v.content !== null) {
        changes.append(
          h(
            'details',
            { class: 'disclosure change' },
            h(
              'summary',
              null,
              `Content of ${versionLabel(v.version)}`,
              h('span', { class: 'muted' }, ` · ${formatBytes(v.size)}`),
            ),
            codeBlock(v.content),
          ),
        );
      }
      return;
    }
    changes.append(changeBlock(v, parent ?? null));
  });

  return h(
    'article',
    { class: 'artifact' },
    h(
      'header',
      { class: 'artifact__head' },
      h('h3', null, key, disputedBadge(versions.some((v) => v.disputed))),
      h(
        'p',
        { class: 'muted' },
        `${orDash(latest?.mediaType)} · ${versions.length} ${versions.length === 1 ? 'version' : 'versions'}`,
      ),
    ),
    h('div', { class: 'table-frame' }, table),
    changes,
  );
}
function changeBlock(v: ArtifactView, parent: ArtifactView | null) {
  const title = `${parent ? versionLabel(parent.version) : 'start'} → ${versionLabel(v.version)}`;
  let lines: DiffLine[] | null = null;
  let source = '';
  if (v.patch !== null) {
    lines = parsePatch(v.patch);
    source = 'recorded patch';
  } else if (parent?.content != null && v.content !== null) {
    lines = diffLines(parent.content, v.content);
    source = 'computed in this page from the inline contents';
  }
  const added = lines ? lines.filter((l) => l.kind === 'add').length : 0;
  const removed = lines ? lines.filter((l) => l.kind === 'del').length : 0;
  const summary = h(
    'summary',
    null,
    h('span', { class: 'strong' }, title),
    lines
      ? h(
          'span',
          { class: 'diffstat' },
          h('span', { class: 'diffstat__add' }, `+${added}`),
          ' ',
          h('span', { class: 'diffstat__del' }, `−${removed}`),
        )
      : null,
    h(
      'span',
      { class: 'muted' },
      `${v.stepId ? ` · step ${v.stepId}` : ''}${v.time ? ` · ${formatClock(v.time)}` : ''}`,
    ),
  );
  let body: Node;
  if (lines === null) {
    const why =
      v.patch === null && v.redactedPatch
        ? 'the patch was redacted after the run was sealed'
        : v.patch === null && v.omittedPatch !== null
          ? `the patch was ${formatOmitted(v.omittedPatch)}`
          : 'no patch and no inline content on both sides were recorded';
    body = note(
      `No diff to show: ${why}. sha256 ${shortHash(parent?.sha256 ?? null)}… → ${shortHash(v.sha256)}…`,
    );
  } else if (lines.length === 0) {
    body = note('The two versions have the same content.');
  } else {
    body = h(
      'div',
      null,
      h('p', { class: 'diff-source muted' }, `From the ${source}.`),
      diffTable(lines, title),
    );
  }
  return h('details', { class: 'disclosure change', open: true }, summary, body);
}
function diffTable(lines: DiffLine[], title: string) {
  const tbody = h('tbody');
  for (const l of lines) {
    const sign = l.kind === 'add' ? '+' : l.kind === 'del' ? '−' : '';
    tbody.append(
      h(
        'tr',
        { class: `diff__line diff__line--${l.kind}` },
        h('td', { class: 'diff__ln' }, l.oldLine ?? ''),
        h('td', { class: 'diff__ln' }, l.newLine ?? ''),
        h(
          'td',
          { class: 'diff__sign' },
          l.kind === 'add' || l.kind === 'del'
            ? h('span', { 'aria-label': l.kind === 'add' ? 'added' : 'removed' }, sign)
            : '',
        ),
        h('td', { class: 'diff__text' }, l.text),
      ),
    );
  }
  return h(
    'div',
    { class: 'table-frame' },
    h(
      'table',
      { class: 'diff' },
      h('caption', { class: 'sr-only' }, `Changes ${title}`),
      h(
        'thead',
        { class: 'sr-only' },
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, 'Old line'),
          h('th', { scope: 'col' }, 'New line'),
          h('th', { scope: 'col' }, 'Change'),
          h('th', { scope: 'col' }, 'Text'),
        ),
      ),
      tbody,
    ),
  );
}

/** @param version */
function versionLabel(version: number | null) {
  return version === null ? 'unversioned' : `v${version}`;
}
