import type { Hotspots } from '../../../gateway/contract/tracking';
import { ApiFailure } from '../api';
import type { Ctx, View } from '../context';
import { dateTime, fill, h } from '../dom';

/**
 * Hotspots (incidents and sightings per zone and hour of day, as a heat map, over the last 28
 * days), journaled by the gateway as a view, so it loads when asked for, not in the background.
 * Replay (the town at a past moment) is on the map (views/replay-bar.ts).
 */
export function hotspotsView(ctx: Ctx): View {
  const site = ctx.store.site!;
  const heat = h('div', { class: 'heat', id: 'hotspots' });
  const prolific = h('ol', { class: 'prolific', id: 'prolific' });
  const el = h(
    'section',
    { class: 'panel hotspots-panel' },
    h('h2', {}, 'Hotspots by zone and hour (last 28 days)'),
    heat,
    h('h3', {}, 'Prolific subjects'),
    prolific,
    h('h2', {}, 'Replay'),
    // Replay is on the map now: units, their tracks, incidents and orders at a past moment.
    h(
      'p',
      {},
      h(
        'a',
        {
          href: '/map',
          id: 'replay-link',
          onclick: (ev: Event) => {
            ev.preventDefault();
            ctx.navigate('/map');
          },
        },
        'Replay the town on the map',
      ),
      ' (on the Map, "Replay the map…").',
    ),
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
      return;
    }
    drawHeat(data);
  };

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
