import type { LonLat } from '../../../gateway/contract/api';
import type { Sighting, SubjectView } from '../../../gateway/contract/tracking';
import { ago } from '../ago';
import { ApiFailure } from '../api';
import type { Ctx, View } from '../context';
import { clock, coalesce, fill, h } from '../dom';
import { blindSpots, chanceText, zoneChances } from '../handover-words';
import { subjectName } from '../names';
import { centre } from '../geo';
import { reportPhotoUrl } from '../photos';
import { may } from '../roles';
import type { TrackView } from '../tracking-api';

/**
 * Tracking a subject through the town: the live tracks, a search of the gallery, one subject's
 * fused timeline (shops, CCTV, radio, body-worn video), the zones they can reach next, the
 * cameras to hand over to, marking a sighting, linking unidentified sightings, breach alarms.
 * Without the tracking service the timeline is built from CCTV and shop sightings in the stream.
 */
export function trackingView(ctx: Ctx): View {
  const site = ctx.store.site!;
  const role = ctx.me.consoleRole;
  const zoneName = (id: string | null | undefined) => site.zones.find((z) => z.id === id)?.name ?? id ?? '?';
  const cameraName = (id: string | null | undefined) => site.cameras.find((c) => c.id === id)?.name ?? id ?? '';
  const tracks = h('ul', { class: 'subjects', id: 'track-list' });
  const search = h('input', { type: 'search', id: 'subject-search', placeholder: 'Description, name or feature', 'aria-label': 'Search subjects' });
  const searchForm = h('form', { class: 'inline', role: 'search' }, search, h('button', { type: 'submit' }, 'Search'));
  const results = h('ul', { class: 'subjects', id: 'subject-results' });
  const unlinked = h('ul', { class: 'unlinked', id: 'unlinked' });
  const breaches = h('ul', { class: 'breaches', id: 'breach-list' });
  const detail = h('div', { class: 'track-detail', id: 'track-detail' }, h('p', { class: 'muted' }, 'Choose a subject to see their track.'));
  const source = h('p', { class: 'muted', id: 'tracking-source' });
  const el = h(
    'section',
    { class: 'panel tracking-panel' },
    h(
      'div',
      { class: 'tracking-side' },
      h('h2', {}, 'Live tracks'),
      source,
      tracks,
      may.searchSubjects(role) ? [h('h2', {}, 'Find a subject'), searchForm, results] : null,
      h('h2', {}, 'Unidentified sightings'),
      unlinked,
      h('h2', {}, 'Breach alarms'),
      breaches,
    ),
    detail,
  );
  let selected: string | null = null;
  let view: TrackView | null = null;
  let subject: SubjectView | null = null;
  /** Built once per subject, so a redraw never clears what an operator is typing. */
  let markForm: HTMLElement | null = null;
  /** Everything about the subject but the form: redrawn as sightings arrive. */
  const info = h('div', {});
  const fail = (err: unknown) => ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error');

  const positionOf = (s: Sighting): LonLat | null => {
    if (s.position) return s.position;
    const z = site.zones.find((x) => x.id === s.zone);
    return z ? centre(z.polygon) : null;
  };

  /** The selected subject's track as the map draws it. */
  const publish = () => {
    const track = view?.track ?? (selected ? ctx.store.tracking.tracks.get(selected) : undefined);
    if (!selected || !track) {
      ctx.store.track = null;
    } else {
      const last = track.sightings.at(-1)?.zone;
      const neighboursOnly = !view;
      const predicted = view
        ? zoneChances(view.predicted).map((c) => ({ zone: c.zone, probability: c.percent / 100 }))
        : (site.zones.find((z) => z.id === last)?.neighbours ?? []).map((n) => ({ zone: n.zone, probability: null }));
      ctx.store.track = {
        subjectId: selected,
        neighboursOnly,
        predicted,
        points: track.sightings.flatMap((s) => {
          const position = positionOf(s);
          return position ? [{ at: s.atMs, position, zone: s.zone }] : [];
        }),
      };
    }
    ctx.store.changed(['tracking']);
  };

  const renderDetail = () => {
    if (!selected) return;
    const track = view?.track ?? ctx.store.tracking.tracks.get(selected);
    const sightings = track?.sightings ?? [];
    const chances = zoneChances(view?.predicted ?? []);
    const blind = blindSpots(chances);
    const handover = view?.handover ?? [];
    const chanceOf = (zone: string) => {
      const c = chances.find((x) => x.zone === zone);
      return c ? `, ${chanceText(c)}` : '';
    };
    if (!info.isConnected) fill(detail, info);
    // The form appears once the gateway is known to have the tracking service (the snapshot may come after the page).
    if (!markForm && may.reportSighting(role) && ctx.store.tracking.available) {
      const subjectId = selected;
      markForm = markSighting(ctx, subjectId, () => void refreshTrack(subjectId));
      detail.append(markForm);
    }
    fill(
      info,
      h(
        'div',
        { class: 'toolbar' },
        h('h2', {}, subject?.name ?? `Subject ${selected}`),
        h('a', { href: '/map', 'data-action': 'show-on-map', onclick: (ev: Event) => (ev.preventDefault(), ctx.navigate('/map')) }, 'Show on map'),
      ),
      subject ? h('p', {}, subject.description, subject.features.length ? h('span', { class: 'muted' }, ` · ${subject.features.join(', ')}`) : null) : null,
      subject?.markers?.length ? h('p', { class: 'form-error' }, `Warning markers: ${subject.markers.join(', ')}`) : null,
      subject?.cbos.length
        ? h(
            'p',
            {},
            subject.cbos.map((c) =>
              h(
                'span',
                { class: 'chip danger' },
                `CBO ${c.reference ?? c.id} (${c.state}) excludes ${c.excludedZones.map(zoneName).join(', ') || 'areas'} until ${c.expiresAt.slice(0, 10)}`,
              ),
            ),
          )
        : null,
      h('h3', {}, `Timeline (${sightings.length})`),
      sightings.length
        ? h(
            'ol',
            { class: 'timeline', id: 'track-timeline' },
            sightings.map((s) =>
              h(
                'li',
                { 'data-sighting': s.id },
                h('time', { datetime: s.at }, clock(s.at)),
                ` ${zoneName(s.zone)}`,
                h(
                  'span',
                  { class: 'muted' },
                  ` · ${s.kind}${s.cameraId ? ` ${cameraName(s.cameraId)}` : ''}${s.premisesId ? ` ${site.premises.find((p) => p.id === s.premisesId)?.name ?? s.premisesId}` : ''}${s.reporter ? ` · ${s.reporter}` : ''}`,
                ),
                s.description ? h('div', { class: 'muted' }, s.description) : null,
                reportPhotoLinks(s),
                s.implausible
                  ? h(
                      'div',
                      { class: s.implausible.confirmed ? 'muted' : 'form-error', 'data-implausible': s.id },
                      `Implausible move: ${s.implausible.impliedSpeedMps} m/s from ${zoneName(s.implausible.fromZone)} in ${s.implausible.elapsedSeconds} s${s.implausible.confirmed ? ' (since confirmed)' : '; not used for predictions'}`,
                    )
                  : null,
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No sightings yet.'),
      h('h3', {}, view ? 'Predicted next zones' : 'Reachable next (zone graph)'),
      h(
        'ul',
        { class: 'predicted', id: 'predicted-zones' },
        view
          ? chances.map((p) =>
              h(
                'li',
                { 'data-zone': p.zone, 'data-covered': String(p.covered) },
                h('strong', {}, zoneName(p.zone)),
                ` ${chanceText(p)} · ${Math.round(p.walkSeconds / 60)} min walk, from ${clock(p.reachableAt)}${p.onward ? '' : ' (doubling back)'}`,
                p.covered ? null : h('span', { class: 'chip danger' }, 'no camera covers it'),
              ),
            )
          : (site.zones.find((z) => z.id === sightings.at(-1)?.zone)?.neighbours ?? []).map((n) =>
              h('li', {}, `${zoneName(n.zone)} · ${Math.round(n.walkSeconds / 60)} min walk`),
            ),
      ),
      h('h3', {}, 'Camera handover'),
      blind.length
        ? h(
            'p',
            { class: 'form-error', id: 'handover-blind' },
            `No camera covers ${blind.map((c) => `${zoneName(c.zone)}, ${chanceText(c)}`).join('; ')}: send someone there.`,
          )
        : null,
      handover.length
        ? h(
            'ol',
            { class: 'handover', id: 'handover' },
            handover.map((c) => {
              const open = h(
                'button',
                { class: 'small', 'data-camera': c.cameraId, 'aria-label': `Open ${cameraName(c.cameraId)} on the camera wall` },
                'Open',
              );
              open.addEventListener('click', () => ctx.navigate(`/cameras?camera=${encodeURIComponent(c.cameraId)}`));
              return h(
                'li',
                {},
                `${cameraName(c.cameraId)} → ${zoneName(c.zone)}${c.reachableAt ? ` from ${clock(c.reachableAt)}` : ' (now)'}${chanceOf(c.zone)}${c.ptz ? ' · PTZ' : ''} `,
                open,
              );
            }),
          )
        : h('p', { class: 'muted' }, view ? 'No camera covers where they may go.' : 'Needs the tracking service.'),
    );
  };

  /** The subject last fetched from the tracking service: each fetch is a journaled view, so once. */
  let fetched: string | null = null;
  const select = async (subjectId: string) => {
    selected = subjectId;
    view = null;
    subject = null;
    markForm = null;
    fill(detail, info);
    if (ctx.store.tracking.available) {
      fetched = subjectId;
      // Opening a subject is a view of personal data: the gateway journals it.
      const [v, s] = await Promise.allSettled([
        ctx.tracking.track(subjectId),
        may.searchSubjects(role) ? ctx.tracking.subject(subjectId) : Promise.reject(new Error('no access')),
      ]);
      if (selected !== subjectId) return;
      view = v.status === 'fulfilled' ? v.value : null;
      subject = s.status === 'fulfilled' ? s.value : null;
    }
    renderSide();
    renderDetail();
    publish();
  };

  /** The track alone (not journaled as a view of the person): for each new sighting. */
  const refreshTrack = async (subjectId: string) => {
    const v = await ctx.tracking.track(subjectId).catch(() => null);
    if (selected !== subjectId) return;
    view = v ?? view;
    renderDetail();
    publish();
  };

  const subjectItem = (id: string, label: string | Node, extra: Array<Node | string | null>) => {
    const b = h('button', { class: 'link', 'data-subject': id }, label);
    b.addEventListener('click', () => void select(id));
    return h('li', { 'data-subject': id, 'aria-current': id === selected ? 'true' : null }, b, ...extra);
  };

  /**
   * A track by the person's name where this role may know it (asked of the gallery once per
   * subject and page, journaled there); otherwise as before, by the subject's number.
   */
  const trackLabel = (subjectId: string): Node => {
    const label = h('span', {}, may.searchSubjects(role) ? 'A subject' : `Subject ${subjectId}`);
    if (may.searchSubjects(role)) void subjectName(ctx, subjectId).then((name) => (label.textContent = name));
    return label;
  };

  const renderSide = () => {
    const t = ctx.store.tracking;
    source.textContent = t.available ? '' : 'From CCTV and shop sightings in the live journal (the tracking service is not running).';
    const live = [...t.tracks.values()].sort((a, b) => (b.sightings.at(-1)?.atMs ?? 0) - (a.sightings.at(-1)?.atMs ?? 0));
    fill(
      tracks,
      live.length
        ? live.slice(0, 30).map((tr) => {
            const last = tr.sightings.at(-1);
            return subjectItem(tr.subjectId, trackLabel(tr.subjectId), [
              h(
                'span',
                { class: 'muted' },
                ` · ${tr.state === 'active' ? zoneName(tr.currentZones[0]) : 'track ended'}${last ? ' · ' : ''}`,
                last ? ago(last.atMs) : null,
              ),
            ]);
          })
        : h('li', { class: 'muted' }, 'Nobody is being tracked.'),
    );
    fill(
      unlinked,
      t.unlinked.length
        ? t.unlinked
            .slice(-10)
            .reverse()
            .map((s) => {
              const link = may.respondToBreach(role) && selected && t.available ? h('button', { class: 'small' }, `Link to ${selected}`) : null;
              link?.addEventListener('click', () => void ctx.tracking.link(s.id, selected!).then(() => ctx.notify('Sighting linked'), fail));
              return h(
                'li',
                { 'data-sighting': s.id },
                `${clock(s.at)} ${zoneName(s.zone)}: ${s.description ?? s.category ?? s.kind} `,
                s.unknownSubjectId
                  ? h('span', { class: 'chip danger', 'data-unknown-subject': s.unknownSubjectId }, `named an unknown subject: ${s.unknownSubjectId}`)
                  : null,
                link,
              );
            })
        : h('li', { class: 'muted' }, 'None.'),
    );
    fill(
      breaches,
      [...t.breaches.values()]
        .sort((a, b) => b.detectedAt - a.detectedAt)
        .slice(0, 20)
        .map((b) =>
          h(
            'li',
            { 'data-breach': b.breachId, class: b.acknowledged ? 'muted' : 'form-error' },
            `${clock(b.at)} subject ${b.subjectId} in ${zoneName(b.zone)}`,
            b.acknowledged ? ` · acknowledged by ${b.acknowledged.by ?? '?'}` : ' · NOT ACKNOWLEDGED',
          ),
        ),
    );
  };

  searchForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.tracking
      .subjects(search.value.trim())
      .then(
        (list) =>
          fill(
            results,
            list.length
              ? list.map((s) =>
                  subjectItem(s.id, s.name ?? `Subject ${s.id}`, [
                    h('span', { class: 'muted' }, ` · ${s.status}`),
                    s.cbos.length ? h('span', { class: 'chip danger' }, 'CBO') : null,
                  ]),
                )
              : h('li', { class: 'muted' }, 'No match.'),
          ),
        fail,
      );
  });

  let lastTrackSeq = 0;
  const redraw = coalesce(() => {
    renderSide();
    // New sightings of the selected subject: fetch the track again for fresh predictions.
    const tr = selected ? ctx.store.tracking.tracks.get(selected) : undefined;
    const seq = tr?.sightings.at(-1)?.causeSeq ?? 0;
    if (selected && view && seq !== lastTrackSeq) void refreshTrack(selected);
    // Selected before the snapshot said the tracking service is there: fetch what it knows now.
    else if (selected && fetched !== selected && ctx.store.tracking.available) void select(selected);
    else if (selected) renderDetail();
    lastTrackSeq = seq;
  }, 300);
  ctx.store.subscribe((t) => t.has('tracking') && el.isConnected && !el.hidden && redraw());
  return {
    el,
    show() {
      renderSide();
      const wanted = new URLSearchParams(location.search).get('subject');
      if (wanted && wanted !== selected) void select(wanted);
    },
  };
}

function markSighting(ctx: Ctx, subjectId: string, done: () => void): HTMLElement {
  const site = ctx.store.site!;
  const camera = h(
    'select',
    { id: 'sighting-camera' },
    site.cameras.map((c) => h('option', { value: c.id }, `${c.name} (${c.id})`)),
  );
  const note = h('input', { id: 'sighting-note', maxlength: 500, placeholder: 'What they are doing, wearing…' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Mark sighting now');
  const form = h(
    'form',
    { class: 'mark-sighting' },
    h('h3', {}, 'Mark a sighting on a camera'),
    h('label', { for: 'sighting-camera' }, 'Camera'),
    camera,
    h('label', { for: 'sighting-note' }, 'Note'),
    note,
    submit,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    ctx.tracking.reportSighting({ subjectId, place: { cameraId: camera.value }, source: 'cctv', ...(note.value ? { description: note.value } : {}) }).then(
      () => {
        submit.disabled = false;
        note.value = '';
        ctx.notify('Sighting marked');
        done();
      },
      (err: unknown) => {
        submit.disabled = false;
        ctx.notify(err instanceof ApiFailure ? err.message : String(err), 'error');
      },
    );
  });
  return form;
}

/**
 * A shop report's photos, as links the reader opens on purpose: each look is journaled, so a
 * timeline redrawn as sightings arrive must not fetch them by itself. (A shop report's sighting
 * is named `sg-<report id>`.)
 */
function reportPhotoLinks(s: { id: string; media: string[] }): HTMLElement | null {
  const urls = s.id.startsWith('sg-') ? s.media.flatMap((ref) => reportPhotoUrl(s.id.slice(3), ref) ?? []) : [];
  if (!urls.length) return null;
  return h(
    'div',
    { class: 'report-photos' },
    urls.map((url, i) =>
      h(
        'a',
        { href: url, target: '_blank', rel: 'noopener', 'data-report-photo': String(i) },
        urls.length > 1 ? `Photo ${i + 1} from the shop` : 'Photo from the shop',
      ),
    ),
  );
}
