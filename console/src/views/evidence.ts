import type { CustodyEntry, DockLive, MismatchAlarm } from '../../../gateway/contract/api';
import type { EvidenceRecord } from '../../../gateway/contract/socket';
import { ApiFailure } from '../api';
import type { Ctx, View } from '../context';
import { coalesce, dateTime, fill, h, size } from '../dom';
import { exhibitFileName } from '../../../gateway/contract/file-name';
import { incidentSelect } from '../incident-pick';
import { may } from '../roles';

const POLL_MS = 2000;

/**
 * Body-worn footage: the docks and what they are offloading now (progress is live state, polled),
 * the verified files, and for one file its chain of custody. Evidence handlers mark footage as
 * evidential, put it on hold and export an incident's bundle; each of those is journaled.
 */
export function evidenceView(ctx: Ctx): View {
  const docks = h('div', { class: 'docks', id: 'docks' });
  const alarms = h('div', { class: 'evidence-alarms', id: 'evidence-alarms', role: 'region', 'aria-label': 'Hash-mismatch alarms' });
  const files = h('tbody', {});
  const detail = h('div', { class: 'evidence-detail', id: 'evidence-detail' }, h('p', { class: 'muted' }, 'Choose a file to see its chain of custody.'));
  const el = h(
    'section',
    { class: 'panel evidence-panel' },
    h(
      'div',
      {},
      alarms,
      h('h2', {}, 'Docks'),
      docks,
      h('h2', {}, 'Files'),
      h(
        'table',
        { class: 'files', id: 'evidence-files' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Camera', 'Wearer', 'File', 'Recorded', 'Category', 'Hold'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        files,
      ),
      may.handleEvidence(ctx.me.consoleRole) ? bundleForm(ctx) : null,
    ),
    detail,
  );
  let timer = 0;
  let selected: string | null = null;
  /** Docks' names by id, as the last poll had them: people read "Security Office Dock A", not dock-1. */
  const dockNames = new Map<string, string>();
  const dockName = (id: string) => dockNames.get(id) ?? id;

  const pollDocks = async () => {
    try {
      const list = await ctx.api.get<DockLive[]>('/api/docks');
      for (const d of list) dockNames.set(d.dockId, d.name);
      fill(
        docks,
        list.length
          ? list.map((d) =>
              h(
                'article',
                { class: 'dock', 'data-dock': d.dockId },
                h('strong', {}, d.name),
                h('span', { class: `chip ${d.linkUp ? 'ok' : 'bad'}` }, d.linkUp ? 'link up' : 'link down'),
                d.refusing ? h('span', { class: 'chip bad', 'data-storage': 'full', title: d.refusing.reason }, 'evidence disk full: offers refused') : null,
                // Per bay, in bay order: the camera in it and how far its file has come (bytes received of offered).
                Object.values(d.transfers)
                  .sort((a, b) => a.bay - b.bay || a.fileNo - b.fileNo)
                  .map((t) =>
                    h(
                      'div',
                      { class: 'transfer', 'data-transfer': `${t.cam}/${t.fileNo}`, 'data-bay': t.bay, 'data-state': t.state },
                      h('strong', {}, `Bay ${t.bay}`),
                      ` · ${t.cam} ${t.name} `,
                      h('progress', { max: t.size, value: t.offset, 'aria-label': `Bay ${t.bay}: offload of ${t.name}` }),
                      ` ${Math.round((100 * t.offset) / Math.max(1, t.size))}% (${size(t.offset)} of ${size(t.size)}) `,
                      h('span', { class: `chip ${t.state === 'verified' ? 'ok' : t.state === 'receiving' ? '' : 'bad'}` }, t.state),
                    ),
                  ),
              ),
            )
          : h('p', { class: 'muted' }, 'No docks are attached to this gateway.'),
      );
    } catch (err) {
      fill(docks, h('p', { class: 'form-error' }, err instanceof ApiFailure ? err.message : String(err)));
    }
  };

  /** Footage that did not match its offer: quarantined, still on the camera, someone must look. */
  const pollAlarms = async () => {
    const list = await ctx.api.get<MismatchAlarm[]>('/api/evidence/alarms').catch(() => null);
    if (!list) return;
    const open = list.filter((a) => !a.acknowledged);
    fill(
      alarms,
      list.length
        ? [
            h('h2', {}, `Hash-mismatch alarms (${open.length} open)`),
            h(
              'ul',
              { class: 'alarms' },
              list.map((a) =>
                h(
                  'li',
                  { class: a.acknowledged ? 'muted' : 'alarm', 'data-alarm': a.id },
                  h('strong', {}, `${a.cam} ${a.name}`),
                  ` via ${dockName(a.dockId)}, ${dateTime(new Date(a.at).toISOString())}: ${a.reason}`,
                  a.acknowledged
                    ? h('span', {}, ` · acknowledged by ${a.acknowledged.by}: ${a.acknowledged.note}`)
                    : may.handleEvidence(ctx.me.consoleRole)
                      ? ackForm(ctx, a, () => void pollAlarms())
                      : null,
                ),
              ),
            ),
          ]
        : [],
    );
  };

  const renderFiles = () => {
    const records = [...ctx.store.evidence.values()].sort((a, b) => b.recStart.localeCompare(a.recStart));
    fill(
      files,
      records.length
        ? records.map((r) => {
            const tr = h(
              'tr',
              { 'data-evidence': r.id, tabindex: '0', 'aria-current': r.id === selected ? 'true' : null, class: r.deleted ? 'deleted' : '' },
              h('td', {}, cameraLabel(ctx, r)),
              h('td', {}, r.origin === 'cctv' ? `CCTV clip by ${r.recordedBy ?? 'unknown'}` : (r.wearer ?? h('span', { class: 'chip bad' }, 'unassigned'))),
              h('td', {}, r.name),
              h('td', {}, dateTime(r.recStart)),
              h('td', {}, r.deleted ? 'deleted' : r.category),
              h('td', {}, r.hold ? 'on hold' : ''),
            );
            tr.addEventListener('click', () => void open(r.id));
            tr.addEventListener('keydown', (ev) => ev.key === 'Enter' && void open(r.id));
            return tr;
          })
        : h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No footage yet.')),
    );
  };

  /** The facts and the custody log of the open file; the forms stay as they are (someone may be typing). */
  let facts = h('dl', {});
  let custodyList = h('ol', { class: 'custody', id: 'custody-log' });
  let holdForm: { label: HTMLElement; button: HTMLElement } | null = null;
  let retainUntil = 0;

  const refresh = async (id: string) => {
    const r = ctx.store.evidence.get(id);
    if (!r || selected !== id) return;
    fill(
      facts,
      h('dt', {}, 'Exhibit'),
      h('dd', { class: 'mono', 'data-exhibit': r.id }, r.id),
      h('dt', {}, 'Camera'),
      h('dd', {}, r.origin === 'cctv' ? `${cameraLabel(ctx, r)}, clip recorded by ${r.recordedBy ?? 'unknown'}` : `${r.cam}, file ${r.fileNo}`),
      h('dt', {}, 'Exported as'),
      h('dd', { class: 'mono', 'data-file-name': '' }, exhibitFileName(r, ctx.store.site?.site.timezone ?? 'UTC')),
      h('dt', {}, 'SHA-256 (received)'),
      h('dd', { class: 'mono' }, r.receivedSha256),
      h('dt', {}, 'Recorded'),
      h('dd', {}, `${dateTime(r.recStart)} – ${dateTime(r.recEnd)}`),
      r.origin === 'cctv' ? null : [h('dt', {}, 'Dock'), h('dd', {}, `${dockName(r.dockId)} bay ${r.bay}`)],
      h('dt', {}, 'Incidents'),
      h('dd', { id: 'evidence-incidents' }, r.incidents.map((i) => ctx.store.tracking.incidents.get(i)?.reference ?? i).join(', ') || '—'),
      h('dt', {}, 'Retention'),
      h(
        'dd',
        {},
        r.deleted ? `deleted: ${r.deleted.reason}` : r.category === 'evidential' || r.hold ? 'kept (evidential or on hold)' : `until ${dateTime(retainUntil)}`,
      ),
    );
    if (holdForm) {
      holdForm.label.textContent = r.hold ? 'Release hold' : 'Put on hold';
      holdForm.button.textContent = r.hold ? 'Release' : 'Hold';
    }
    const custody = await ctx.api.get<CustodyEntry[]>(`/api/evidence/${id}/custody`).catch(() => null);
    if (custody && selected === id) {
      fill(
        custodyList,
        custody.map((c) => {
          // A person by their username; a dock by its name, not `dock:dock-1`.
          const by = c.actor ?? (c.source.startsWith('dock:') ? dockName(c.source.slice('dock:'.length)) : c.source);
          return h('li', {}, h('time', {}, dateTime(c.ts)), ` ${c.type}`, h('span', { class: 'muted' }, ` · ${by}`));
        }),
      );
    }
  };

  const open = async (id: string) => {
    selected = id;
    renderFiles();
    try {
      // Opening a file is itself a custody event (`evidence.viewed`): the log is read after it.
      const r = await ctx.api.get<EvidenceRecord>(`/api/evidence/${id}`);
      retainUntil = r.retainUntil;
      facts = h('dl', {});
      custodyList = h('ol', { class: 'custody', id: 'custody-log' });
      const forms = may.handleEvidence(ctx.me.consoleRole) && !r.deleted ? actions(ctx, id, () => void refresh(id)) : null;
      holdForm = forms?.hold ?? null;
      // The player asks the gateway by range with this session; each play is journaled as access to footage.
      const preview = r.deleted
        ? null
        : h('video', {
            id: 'evidence-preview',
            class: 'evidence-preview',
            controls: true,
            preload: 'none',
            src: `/api/evidence/${encodeURIComponent(id)}/media`,
            'aria-label': `Preview of ${r.name}`,
          });
      // A play is a custody event: show it in the log once the gateway has it.
      preview?.addEventListener('play', () => window.setTimeout(() => void refresh(id), 1000));
      fill(detail, h('h2', {}, `${cameraLabel(ctx, r)} · ${r.name}`), preview, facts, forms?.el ?? null, h('h3', {}, 'Chain of custody'), custodyList);
      await refresh(id);
    } catch (err) {
      ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error');
    }
  };

  const redraw = coalesce(() => {
    renderFiles();
    if (selected) void refresh(selected);
  }, 200);
  ctx.store.subscribe((t) => t.has('evidence') && redraw());
  renderFiles();
  return {
    el,
    show() {
      void pollDocks();
      void pollAlarms();
      timer = window.setInterval(() => {
        void pollDocks();
        void pollAlarms();
      }, POLL_MS);
    },
    hide() {
      window.clearInterval(timer);
    },
  };
}

function ackForm(ctx: Ctx, a: MismatchAlarm, changed: () => void): HTMLElement {
  const note = h('input', { placeholder: 'What was done', maxlength: 500, required: true, 'aria-label': `Note for the alarm on ${a.name}` });
  const form = h('form', { class: 'inline' }, note, h('button', { type: 'submit' }, 'Acknowledge'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.api.post(`/api/evidence/alarms/${encodeURIComponent(a.id)}/ack`, { note: note.value }).then(
      () => {
        ctx.notify('Alarm acknowledged');
        changed();
      },
      (err: unknown) => ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error'),
    );
  });
  return form;
}

function actions(ctx: Ctx, id: string, changed: () => void): { el: HTMLElement; hold: { label: HTMLElement; button: HTMLElement } } {
  const incident = incidentSelect(ctx, { id: 'mark-incident' });
  const mark = h(
    'form',
    { class: 'inline' },
    h('label', { for: 'mark-incident' }, 'Mark evidential for incident'),
    incident,
    h('button', { type: 'submit' }, 'Mark evidential'),
  );
  const reason = h('input', { id: 'hold-reason', placeholder: 'Reason', maxlength: 500, required: true });
  const holdLabel = h('label', { for: 'hold-reason' }, 'Put on hold');
  const holdButton = h('button', { type: 'submit' }, 'Hold');
  const hold = h('form', { class: 'inline' }, holdLabel, reason, holdButton);
  const run = (form: HTMLFormElement, path: string, request: () => { body: unknown; done: string }, input: HTMLInputElement | HTMLSelectElement) => {
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const { body, done } = request();
      ctx.api.post(path, body).then(
        () => {
          ctx.notify(done);
          input.value = '';
          changed();
        },
        (err: unknown) => ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error'),
      );
    });
  };
  // The hold toggles from what the record says now, not when the form was drawn.
  const held = () => ctx.store.evidence.get(id)?.hold === true;
  run(mark, `/api/evidence/${id}/evidential`, () => ({ body: { incidentId: incident.value }, done: 'Marked as evidential' }), incident);
  run(hold, `/api/evidence/${id}/hold`, () => ({ body: { on: !held(), reason: reason.value.trim() }, done: held() ? 'Hold released' : 'Put on hold' }), reason);
  return { el: h('div', { class: 'evidence-actions' }, mark, hold), hold: { label: holdLabel, button: holdButton } };
}

function bundleForm(ctx: Ctx): HTMLElement {
  const incident = incidentSelect(ctx, { id: 'bundle-incident' });
  // The gateway writes the archive to its own export folder; the browser downloads it from there
  // (each download is journaled as custody).
  const link = h('p', { id: 'bundle-link' });
  const form = h(
    'form',
    { class: 'bundle' },
    h('h3', {}, 'Export an incident bundle'),
    h('label', { for: 'bundle-incident' }, 'Incident'),
    incident,
    h('button', { type: 'submit' }, 'Export and download'),
    link,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const chosen = ctx.store.tracking.incidents.get(incident.value);
    const label = chosen?.reference ?? incident.value;
    ctx.api.post<{ bundleId: string; files: number; download: string }>('/api/evidence/bundles', { incidentId: incident.value }).then(
      (b) => {
        const files = b.files === 1 ? '1 file' : `${b.files} files`;
        // Downloaded by the browser with this session (the gateway journals the hand-over); the link stays for another copy.
        const a = h(
          'a',
          { id: 'bundle-download', href: b.download, download: `${label}_${b.bundleId}.tar` },
          `Download ${label}'s bundle again (${files}, tar)`,
        );
        link.replaceChildren(a);
        a.click();
        ctx.notify(`Bundle of ${files} for ${label} downloading`);
      },
      (err: unknown) => ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error'),
    );
  });
  return form;
}

/** A CCTV clip is named by its camera's name; a body-worn camera by its serial. */
function cameraLabel(ctx: Ctx, r: EvidenceRecord): string {
  return r.origin === 'cctv' ? (ctx.store.site?.cameras.find((c) => c.id === r.cam)?.name ?? r.cam) : r.cam;
}
