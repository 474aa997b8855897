import type { Hotspots } from '../../../gateway/contract/tracking';
import { ApiFailure } from '../api';
import type { Ctx, View } from '../context';
import { clock, dateTime, fill, h } from '../dom';

const DAY_MS = 86_400_000;
/** Slider steps over the last day: every 5 minutes. */
const STEPS = 288;

/**
 * Hotspots (incidents and sightings per zone and hour of day, as a heat map, over the last 28
 * days) and replay (the town at a past moment, rebuilt by the gateway from the journal). Both
 * are journaled by the gateway as views, so they load when asked for, not in the background.
 */
export function hotspotsView(ctx: Ctx): View {
  const site = ctx.store.site!;
  const heat = h('div', { class: 'heat', id: 'hotspots' });
  const prolific = h('ol', { class: 'prolific', id: 'prolific' });
  const slider = h('input', { type: 'range', id: 'replay-at', min: 0, max: STEPS, value: STEPS, step: 1, 'aria-label': 'Replay time, last 24 hours' });
  const when = h('output', { for: 'replay-at', id: 'replay-time' }, 'now');
  const replay = h('div', { class: 'replay', id: 'replay-state' });
  const el = h(
    'section',
    { class: 'panel hotspots-panel' },
    h('h2', {}, 'Hotspots by zone and hour (last 28 days)'),
    heat,
    h('h3', {}, 'Prolific subjects'),
    prolific,
    h('h2', {}, 'Replay'),
    h('div', { class: 'toolbar' }, slider, when),
    replay,
  );
  const fail = (target: HTMLElement) => (err: unknown) => fill(target, h('p', { class: 'form-error' }, err instanceof ApiFailure ? err.message : String(err)));

  const drawHeat = (data: Hotspots) => {
    const zones = data.zones.length ? data.zones.map((z) => z.zone) : site.zones.map((z) => z.id);
    const counts = new Map<string, number>();
    for (const c of data.cells) counts.set(`${c.zone}/${c.hour}`, (counts.get(`${c.zone}/${c.hour}`) ?? 0) + c.incidents + c.sightings);
    const max = Math.max(1, ...counts.values());
    const hours = Array.from({ length: 24 }, (_, i) => i);
    fill(
      heat,
      h(
        'table',
        { class: 'heatmap' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Zone'),
            hours.map((hr) => h('th', { scope: 'col' }, String(hr).padStart(2, '0'))),
          ),
        ),
        h(
          'tbody',
          {},
          zones.map((z) =>
            h(
              'tr',
              { 'data-zone': z },
              h('th', { scope: 'row' }, site.zones.find((x) => x.id === z)?.name ?? z),
              hours.map((hr) => {
                const n = counts.get(`${z}/${hr}`) ?? 0;
                const cell = h('td', { title: `${n} reports ${String(hr).padStart(2, '0')}:00–${String(hr + 1).padStart(2, '0')}:00` }, n ? String(n) : '');
                // Through the CSSOM: the Content-Security-Policy refuses style attributes.
                cell.style.setProperty('--heat', (n / max).toFixed(2));
                return cell;
              }),
            ),
          ),
        ),
      ),
    );
    fill(
      prolific,
      data.prolific.length
        ? data.prolific.map((p) =>
            h('li', {}, `Subject ${p.subjectId}: ${p.sightings} sightings, ${p.incidents} incidents, ${p.premises} premises, last ${dateTime(p.lastSeenAt)}`),
          )
        : h('li', { class: 'muted' }, 'None in this period.'),
    );
  };

  const loadHeat = async () => {
    const data = await ctx.tracking.hotspots().catch(fail(heat));
    if (data === undefined) return;
    if (data === null) {
      fill(heat, h('p', { class: 'muted', id: 'hotspots-unavailable' }, 'Hotspots need the tracking service, which is not running on this gateway.'));
      slider.disabled = true;
      fill(replay, h('p', { class: 'muted' }, 'Replay needs the tracking service too.'));
      return;
    }
    slider.disabled = false;
    drawHeat(data);
  };

  const loadReplay = async () => {
    const at = new Date(Date.now() - DAY_MS + (Number(slider.value) / STEPS) * DAY_MS);
    when.textContent = dateTime(at);
    const s = await ctx.tracking.stateAt(at).catch(fail(replay));
    if (!s) return;
    const open = s.emergencies.filter((e) => e.state !== 'resolved');
    const incidents = (s.incidents ?? []).filter((i) => i.state !== 'closed');
    fill(
      replay,
      h(
        'p',
        {},
        `As of journal event #${s.seq}: ${open.length} emergencies open, ${incidents.length} incidents open, ${(s.tracks?.tracks ?? []).filter((t) => t.state === 'active').length} subjects tracked.`,
      ),
      h(
        'table',
        { class: 'units' },
        h(
          'tbody',
          {},
          s.units.map((u) =>
            h(
              'tr',
              {},
              h('td', {}, u.callsign),
              h('td', {}, u.state),
              h('td', {}, u.fix ? `${u.fix.lat.toFixed(5)}, ${u.fix.lon.toFixed(5)} at ${clock(u.fix.fixTime)}` : 'no fix'),
            ),
          ),
        ),
      ),
    );
  };

  // On release, not while dragging: each replay is journaled.
  slider.addEventListener('change', () => void loadReplay());
  let loaded = false;
  return {
    el,
    show() {
      if (loaded) return;
      loaded = true;
      void loadHeat();
    },
  };
}
