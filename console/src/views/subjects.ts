import type { SubjectView } from '../../../gateway/contract/tracking';
import { ApiFailure } from '../api';
import type { Ctx, View } from '../context';
import { coalesce, dateTime, fill, h } from '../dom';
import { PHOTO_REF, readBase64 } from '../photos';
import { may } from '../roles';
import { orderForm, orderRow } from './orders';
import { regionShareBox } from './subject-region';

/** Warning markers officers are told about (the gateway keeps any others already recorded). */
const MARKERS = ['violence', 'weapons', 'drugs', 'escape-risk', 'self-harm'];
const DAY_MS = 86_400_000;
/** The gateway's limit on a photo (gateway/api/subjects-api.ts). */
const MAX_PHOTO_BYTES = 6 * 1024 * 1024;
/** A share with members is offered for four weeks unless the person says otherwise. */
const DEFAULT_SHARE_DAYS = 28;

type Editable = Pick<SubjectView, 'status' | 'name' | 'aliases' | 'description' | 'features' | 'markers'>;

const list = (text: string) =>
  text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** `YYYY-MM-DDTHH:mm` in local time, as a datetime-local input holds it. */
function localInput(t: number): string {
  const d = new Date(t - new Date(t).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

function label(s: SubjectView): string {
  return s.name ?? `Unknown: ${s.description.slice(0, 40)}`;
}

function sharedNow(s: SubjectView): boolean {
  return s.sharedWithMembers && (s.sharedWithMembersUntil == null || Date.parse(s.sharedWithMembersUntil) > Date.now());
}

/**
 * The fields of a subject's record, for the new-subject form and the edit form alike: known by
 * name or identity sought, aliases, description, feature tags, warning markers. `read()` gives
 * what the gateway's SubjectInput / SubjectPatch take.
 */
function subjectFields(prefix: string, s?: SubjectView): { nodes: HTMLElement[]; read(): Editable } {
  const id = (name: string) => `${prefix}-${name}`;
  const status = h('select', { id: id('status') }, h('option', { value: 'known' }, 'known (named)'), h('option', { value: 'sought' }, 'identity sought'));
  const name = h('input', { id: id('name'), maxlength: 200, autocomplete: 'off' });
  const aliases = h('input', { id: id('aliases'), maxlength: 1000, autocomplete: 'off', placeholder: 'comma-separated' });
  const description = h('textarea', { id: id('description'), required: true, maxlength: 2000, rows: 2 });
  const features = h('input', { id: id('features'), maxlength: 1000, autocomplete: 'off', placeholder: 'hair:ginger, tattoo:left-hand' });
  const known = [...MARKERS, ...(s?.markers ?? []).filter((m) => !MARKERS.includes(m))];
  const markers = known.map((m) =>
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: id('marker'), value: m, checked: s?.markers?.includes(m) ?? false }), ` ${m}`),
  );
  if (s) {
    status.value = s.status;
    name.value = s.name ?? '';
    aliases.value = (s.aliases ?? []).join(', ');
    description.value = s.description;
    features.value = s.features.join(', ');
  }
  const markersBox = h('fieldset', {}, h('legend', {}, 'Warning markers'), markers);
  return {
    nodes: [
      h('label', { for: id('status') }, 'Status'),
      status,
      h('label', { for: id('name') }, 'Name'),
      name,
      h('label', { for: id('aliases') }, 'Aliases'),
      aliases,
      h('label', { for: id('description') }, 'Description'),
      description,
      h('label', { for: id('features') }, 'Features'),
      features,
      markersBox,
    ],
    read: () => ({
      status: status.value as SubjectView['status'],
      name: name.value.trim() || null,
      aliases: list(aliases.value),
      description: description.value.trim(),
      features: list(features.value).map((f) => f.toLowerCase()),
      markers: Array.from(markersBox.querySelectorAll<HTMLInputElement>('input:checked')).map((i) => i.value),
    }),
  };
}

/** Only what changed: the journal records what someone actually edited. */
function changesOf(before: SubjectView, after: Editable): Partial<Editable> {
  const out: Partial<Editable> = {};
  for (const key of ['status', 'name', 'aliases', 'description', 'features', 'markers'] as const) {
    if (JSON.stringify(before[key] ?? (key === 'name' ? null : [])) !== JSON.stringify(after[key])) Object.assign(out, { [key]: after[key] });
  }
  return out;
}

/**
 * Subjects and their orders, for the roles that record them (controller, police): add a person
 * (known by name, or identity sought), find one or pick him from the watch list, edit his record,
 * put him on the watch list, share him with members until a date (or withdraw him), and record
 * his orders. Every step is an API call the gateway checks and journals with the person who
 * made it. Names, not ids. Nothing here moves the focus except onto the control that replaced
 * the one just pressed.
 */
export function subjectsView(ctx: Ctx): View {
  const role = ctx.me.consoleRole;
  const fail = (err: unknown) => ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error');
  let selected: SubjectView | null = null;

  // New subject.
  const fresh = subjectFields('subject');
  const create = h(
    'form',
    { class: 'compose', id: 'subject-form', 'aria-labelledby': 'subject-form-title' },
    h('h2', { id: 'subject-form-title' }, 'New subject'),
    fresh.nodes,
    h('button', { type: 'submit', class: 'primary' }, 'Add subject'),
  );
  create.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.api.post<SubjectView>('/api/subjects', fresh.read()).then((s) => {
      create.reset();
      ctx.notify(`${label(s)} added`);
      select(s);
    }, fail);
  });

  // Find.
  const query = h('input', { id: 'subject-query', type: 'search', 'aria-label': 'Find a subject' });
  const results = h('ul', { class: 'subject-results', id: 'subject-results' });
  const pickButton = (s: SubjectView) => {
    const b = h('button', { type: 'button', 'data-subject': s.id }, label(s));
    b.addEventListener('click', () => select(s));
    return h('li', {}, b);
  };
  const find = h('form', { class: 'toolbar', id: 'subject-find' }, query, h('button', { type: 'submit' }, 'Find'), results);
  find.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.tracking
      .subjects(query.value.trim())
      .then((found) => fill(results, found.map(pickButton), found.length ? null : h('li', { class: 'muted' }, 'Nobody found.')), fail);
  });

  // The watch list: asked for when the panel is shown (each name shown is a journaled view).
  const watchList = h('ul', { class: 'subject-results', id: 'watch-list', 'aria-label': 'On the watch list' });
  const loadWatchList = () =>
    ctx.api.get<SubjectView[]>('/api/subjects?watched=true').then(
      (watched) =>
        fill(
          watchList,
          watched.map((s) => {
            const li = pickButton(s);
            li.append(h('span', { class: 'muted' }, ` ${s.watch?.reason ?? ''}`));
            return li;
          }),
          watched.length ? null : h('li', { class: 'muted' }, 'Nobody is on the watch list.'),
        ),
      fail,
    );

  // The selected subject.
  const detail = h('section', { class: 'subject-detail', id: 'subject-detail' });
  const summary = h('p', { id: 'subject-summary', 'aria-live': 'polite' });
  const watchBox = h('div', { class: 'subject-watch', id: 'subject-watch' });
  const shareBox = h('div', { class: 'subject-share', id: 'subject-share' });
  const orders = h('ul', { class: 'orders', id: 'subject-orders' });
  const photoBox = h('div', { class: 'subject-photo', id: 'subject-photo' });
  const picture = h('div', { class: 'subject-picture' });
  let pictureOf = '';

  const select = (s: SubjectView) => {
    selected = s;
    render();
  };
  /** The gateway's answer to an action on the selected subject: show it, keep the focus in its section. */
  const updated = (s: SubjectView, said: string, box?: HTMLElement) => {
    selected = s;
    const hadFocus = box?.contains(document.activeElement) ?? false;
    renderState();
    if (hadFocus) box?.querySelector<HTMLElement>('input, button')?.focus();
    ctx.notify(said);
  };
  const region = regionShareBox(ctx, label, updated, fail);

  const editForm = (s: SubjectView): HTMLFormElement => {
    const fields = subjectFields('subject-edit', s);
    const form = h('form', { class: 'compose', id: 'subject-edit', 'aria-labelledby': 'subject-edit-title' }, h('h3', { id: 'subject-edit-title' }, 'Edit'));
    form.append(...fields.nodes, h('button', { type: 'submit' }, 'Save changes'));
    form.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && ev.target instanceof HTMLInputElement) ev.preventDefault();
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const changes = changesOf(selected ?? s, fields.read());
      if (Object.keys(changes).length === 0) return ctx.notify('Nothing has changed');
      ctx.api.patch<SubjectView>(`/api/subjects/${encodeURIComponent(s.id)}`, changes).then((u) => {
        updated(u, `${label(u)} updated`);
        title.textContent = label(u);
      }, fail);
    });
    return form;
  };

  const renderWatch = (s: SubjectView) => {
    const path = `/api/subjects/${encodeURIComponent(s.id)}`;
    if (s.watch) {
      const note = h('input', {
        id: 'subject-unwatch-note',
        maxlength: 500,
        placeholder: 'why he comes off (optional)',
        'aria-label': 'Why he comes off the watch list (optional)',
      });
      const off = h('button', { type: 'button', 'data-action': 'unwatch' }, 'Take off the watch list');
      off.addEventListener('click', () => {
        ctx.api.post<SubjectView>(`${path}/unwatch`, note.value.trim() ? { note: note.value.trim() } : {}).then((u) => {
          updated(u, `${label(u)} is off the watch list`, watchBox);
          void loadWatchList();
        }, fail);
      });
      fill(
        watchBox,
        h('h3', {}, 'Watch list'),
        h('p', {}, `On the watch list since ${dateTime(s.watch.since)} (${s.watch.by ?? 'unknown'}): ${s.watch.reason}`),
        note,
        off,
      );
      return;
    }
    const reason = h('input', {
      id: 'subject-watch-reason',
      maxlength: 500,
      placeholder: 'why he goes on the list',
      'aria-label': 'Why he goes on the watch list',
    });
    const on = h('button', { type: 'button', 'data-action': 'watch' }, 'Put on the watch list');
    on.addEventListener('click', () => {
      if (!reason.value.trim()) {
        ctx.notify('Say why he goes on the watch list', 'error');
        return reason.focus();
      }
      ctx.api.post<SubjectView>(`${path}/watch`, { reason: reason.value.trim() }).then((u) => {
        updated(u, `${label(u)} is on the watch list`, watchBox);
        void loadWatchList();
      }, fail);
    });
    fill(watchBox, h('h3', {}, 'Watch list'), reason, on);
  };

  const renderShare = (s: SubjectView) => {
    const path = `/api/subjects/${encodeURIComponent(s.id)}`;
    if (!may.shareSubjects(role)) return fill(shareBox);
    if (sharedNow(s)) {
      const reason = h('input', {
        id: 'subject-withdraw-reason',
        maxlength: 500,
        placeholder: 'reason to withdraw',
        'aria-label': 'Why members should no longer see him',
      });
      const withdraw = h('button', { type: 'button', class: 'danger', 'data-action': 'withdraw' }, 'Withdraw from members');
      withdraw.addEventListener('click', () => {
        if (!reason.value.trim()) {
          ctx.notify('Give the reason for withdrawing', 'error');
          return reason.focus();
        }
        ctx.api
          .post<SubjectView>(`${path}/withdraw`, { reason: reason.value.trim() })
          .then((u) => updated(u, `${label(u)} withdrawn from members`, shareBox), fail);
      });
      const until = s.sharedWithMembersUntil ? `until ${dateTime(s.sharedWithMembersUntil)}` : 'until withdrawn';
      fill(shareBox, h('h3', {}, 'Members'), h('p', {}, `Shared with members ${until} (description and orders, never his name or markers).`), reason, withdraw);
      return;
    }
    const until = h('input', {
      id: 'subject-share-until',
      type: 'datetime-local',
      required: true,
      value: localInput(Date.now() + DEFAULT_SHARE_DAYS * DAY_MS),
    });
    const note = h('input', {
      id: 'subject-share-note',
      maxlength: 500,
      placeholder: 'why members should see him (optional)',
      'aria-label': 'Why members should see him (optional)',
    });
    const share = h('button', { type: 'button', 'data-action': 'share' }, 'Share with members');
    share.addEventListener('click', () => {
      const t = new Date(until.value).getTime();
      if (Number.isNaN(t)) {
        ctx.notify('Give the date and time the share ends', 'error');
        return until.focus();
      }
      ctx.api
        .post<SubjectView>(`${path}/share`, { until: new Date(t).toISOString(), ...(note.value.trim() ? { note: note.value.trim() } : {}) })
        .then((u) => updated(u, `${label(u)} shared with members until ${dateTime(t)}`, shareBox), fail);
    });
    const ended =
      s.sharedWithMembers && s.sharedWithMembersUntil ? h('p', { class: 'muted' }, `The last share ended ${dateTime(s.sharedWithMembersUntil)}.`) : null;
    fill(
      shareBox,
      h('h3', {}, 'Members'),
      ended,
      h('p', { class: 'muted' }, 'Members see only his description, photo and the orders shown to them.'),
      h('label', { for: 'subject-share-until' }, 'Shared until'),
      until,
      note,
      share,
    );
  };

  /** The photo is fetched again only when it changed: each fetch is a journaled view. */
  const renderPicture = (s: SubjectView) => {
    const ref = `${s.id}|${s.photoRef ?? ''}`;
    if (ref === pictureOf) return;
    pictureOf = ref;
    fill(
      picture,
      s.photoRef?.startsWith(PHOTO_REF)
        ? h('img', { src: `/api/subjects/${encodeURIComponent(s.id)}/photo`, alt: `Photo of ${label(s)}`, class: 'subject-img' })
        : h('p', { class: 'muted' }, 'No photo.'),
    );
  };

  const photoForm = (s: SubjectView): HTMLElement => {
    const file = h('input', { type: 'file', id: 'subject-photo-file', accept: 'image/jpeg,image/png' });
    const upload = h('button', { type: 'button', 'data-action': 'upload-photo' }, 'Upload photo');
    upload.addEventListener('click', () => {
      const f = file.files?.[0];
      if (!f) {
        ctx.notify('Choose a JPEG or PNG photo first', 'error');
        return file.focus();
      }
      if (f.size > MAX_PHOTO_BYTES) return ctx.notify('The photo is too large (at most 6 MB)', 'error');
      upload.disabled = true;
      void readBase64(f)
        .then((image) => ctx.api.post<SubjectView>(`/api/subjects/${encodeURIComponent(s.id)}/photo`, { image }))
        .then((u) => {
          file.value = '';
          updated(u, `Photo of ${label(u)} stored, its location and camera details removed`);
        }, fail)
        .finally(() => (upload.disabled = false));
    });
    return h(
      'div',
      { class: 'subject-photo-form' },
      h('label', { for: 'subject-photo-file' }, 'Photo (JPEG or PNG; location and camera details are removed)'),
      file,
      upload,
    );
  };

  const renderState = () => {
    const s = selected;
    if (!s) return;
    const bits = [s.status === 'known' ? 'Known' : 'Identity sought'];
    if (s.markers?.length) bits.push(`markers: ${s.markers.join(', ')}`);
    if (s.watch) bits.push('on the watch list');
    if (sharedNow(s)) bits.push(`shared with members until ${s.sharedWithMembersUntil ? dateTime(s.sharedWithMembersUntil) : 'withdrawn'}`);
    if (s.sharedRegionally) bits.push('shared with the region');
    summary.textContent = bits.join(' · ');
    renderPicture(s);
    renderWatch(s);
    renderShare(s);
    region.render(s);
  };

  const title = h('h2', { id: 'subject-title' });
  let orderSig = '';
  const render = () => {
    const s = selected;
    if (!s) {
      fill(detail, h('p', { class: 'muted' }, 'Add a subject, find one, or pick one from the watch list.'));
      orderSig = '';
      return;
    }
    // Rebuilt only for another subject: a live update never wipes what someone is typing.
    if (detail.dataset.subject !== s.id) {
      detail.dataset.subject = s.id;
      title.textContent = label(s);
      fill(photoBox, picture, photoForm(s));
      fill(detail, title, summary, photoBox, editForm(s), watchBox, shareBox, region.el, h('h3', {}, 'Orders'), orders, orderForm(ctx, s, label(s)));
      renderState();
      orderSig = '';
    }
    const mine = [...ctx.store.tracking.cbos.values()].filter((c) => c.subjectId === s.id);
    const sig = JSON.stringify(mine.map((c) => [c.id, c.state, c.expiresAt]));
    if (sig !== orderSig) {
      orderSig = sig;
      fill(orders, mine.length ? mine.map((c) => orderRow(ctx, c)) : h('li', { class: 'muted' }, 'No orders.'));
    }
  };
  const redraw = coalesce(render, 100);
  ctx.store.subscribe((t) => t.has('tracking') && redraw());
  render();
  const el = h('section', { class: 'panel subjects-panel' }, h('div', {}, find, h('h2', {}, 'Watch list'), watchList, create), detail);
  return {
    el,
    show() {
      void loadWatchList();
    },
  };
}
