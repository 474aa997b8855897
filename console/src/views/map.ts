import L from 'leaflet';
import type { UnitView } from '../../../gateway/contract/socket';
import type { Ctx, View } from '../context';
import { age, coalesce, fill, h, text } from '../dom';
import { centre, fieldOfView, ll } from '../geo';
import { categoryName, subjectName } from '../names';
import { orderTitle, windowsText } from '../order-words';
import type { ReplayPicture } from '../replay';
import { may } from '../roles';
import type { Store } from '../store';
import { replayBar } from './replay-bar';

/** A fix older than this is shown as stale (faded, with its age in red). */
const STALE_FIX_MS = 30_000;

const STATE_LABEL: Record<string, string> = {
  available: 'Available',
  'en-route': 'En route',
  'on-scene': 'On scene',
  busy: 'Busy',
  'off-duty': 'Off duty',
  unknown: 'Unknown',
};

/**
 * The town map: zones, CBO exclusion zones, premises, cameras with their field of view, units
 * coloured by state with the age of their fix, open incidents, and the selected suspect's track
 * with the zones they may go next. No tiles unless the deployment configured its own server:
 * the town is drawn from the site config, so the map works with the internet down.
 */
export function mapView(ctx: Ctx): View {
  const site = ctx.store.site!;
  const mapEl = h('div', { class: 'map', id: 'map', 'aria-label': 'Town map', role: 'region' });
  const unitList = h('tbody', {});
  const side = h(
    'aside',
    { class: 'map-side', 'aria-label': 'Units' },
    h('h2', {}, 'Units'),
    h(
      'table',
      { class: 'units', id: 'unit-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Unit'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Fix'))),
      unitList,
    ),
    legend(),
  );
  // Replay draws a past town with this same code: the picture is the live store, or the replayed one.
  let replayed: ReplayPicture | null = null;
  const picture = (): { store: Store; now: number; trails: ReplayPicture['trails'] | null } =>
    replayed ? { store: replayed.store, now: replayed.at, trails: replayed.trails } : { store: ctx.store, now: Date.now(), trails: null };
  const bar = may.replay(ctx.me.consoleRole)
    ? replayBar(ctx, (p) => {
        const was = replayed !== null;
        replayed = p;
        el.classList.toggle('replaying', p !== null);
        if (p || was) {
          drawUnits();
          drawOverlay();
        }
      })
    : null;
  const el = h('section', { class: 'panel map-panel' }, h('div', { class: 'map-column' }, bar?.el, mapEl), side);

  // Leaflet's attribution control takes HTML: the configured attribution is shown as text instead.
  const map = L.map(mapEl, { zoomSnap: 0.25, keyboard: true, attributionControl: false, preferCanvas: false });
  if (site.console.tileUrl) {
    L.tileLayer(site.console.tileUrl, { maxZoom: 20 }).addTo(map);
    if (site.console.tileAttribution) attribution(site.console.tileAttribution).addTo(map);
  }

  const zoneCentre = new Map(site.zones.map((z) => [z.id, centre(z.polygon)]));
  const zoneLayers = new Map<string, L.Polygon>();
  for (const z of site.zones) {
    const poly = L.polygon(z.polygon.map(ll), { className: 'zone', color: '#6f8196', weight: 1, fillColor: '#3a4a5c', fillOpacity: 0.35 })
      .bindTooltip(text(z.name), { permanent: true, direction: 'center', className: 'zone-label' })
      .addTo(map);
    zoneLayers.set(z.id, poly);
  }
  const bounds = L.latLngBounds(site.zones.flatMap((z) => z.polygon.map(ll)));
  // The panel is built before it is on screen: a view now, the fit once Leaflet can measure.
  map.setView(bounds.isValid() ? bounds.getCenter() : L.latLng(52.955, -1.15), 16);
  let fitted = false;

  for (const p of site.premises) {
    L.circleMarker(ll(p.position), { radius: 4, color: '#c9b458', weight: 1, fillOpacity: 0.9, className: 'premises' })
      .bindTooltip(text(`${p.name}${p.kind ? ` (${p.kind})` : ''}`))
      .addTo(map);
  }

  const cameraLayers = new Map<string, { fov: L.Polygon; dot: L.CircleMarker }>();
  for (const c of site.cameras) {
    const fov = L.polygon(fieldOfView(c.position, c.bearingDeg, c.fovDeg, c.rangeM).map(ll), {
      className: 'camera-fov',
      color: '#4cc2ff',
      weight: 1,
      fillOpacity: 0.12,
      interactive: false,
    }).addTo(map);
    const dot = L.circleMarker(ll(c.position), { radius: 5, color: '#4cc2ff', weight: 2, fillColor: '#0b1620', fillOpacity: 1 })
      .bindTooltip(text(`${c.name} (${c.id})`))
      .addTo(map);
    cameraLayers.set(c.id, { fov, dot });
  }

  const overlay = L.layerGroup().addTo(map); // exclusion zones, incidents, track
  if (bar) {
    // On the map itself, so nobody takes a replayed picture for the live one.
    const control = new L.Control({ position: 'topright' });
    control.onAdd = () => bar.banner;
    control.addTo(map);
  }
  const units = new Map<string, L.Marker>();
  const rows = new Map<string, HTMLElement>();

  const unitMarker = (u: UnitView): L.Marker | null => {
    if (!u.fix) return null;
    let m = units.get(u.id);
    if (!m) {
      m = L.marker([u.fix.lat, u.fix.lon], {
        keyboard: true,
        title: u.callsign,
        alt: u.callsign,
        riseOnHover: true,
        icon: L.divIcon({
          className: 'unit-marker',
          iconSize: [14, 14],
          iconAnchor: [7, 7],
          html: h('span', {}, h('span', { class: 'dot' }), h('span', { class: 'label' }, h('b', {}), ' ', h('i', { class: 'age' }))),
        }),
      }).addTo(map);
      units.set(u.id, m);
    }
    m.setLatLng([u.fix.lat, u.fix.lon]);
    return m;
  };

  const drawUnits = () => {
    const { store, now } = picture();
    // The gateway's units projection says which units are in emergency (`emergencyId`).
    // A press being recorded (announced before its commit) marks its unit as the card does; one
    // the journal refused does not: its card says so, and the unit is not in an emergency on record.
    const recording = new Set([...store.raising.values()].filter((n) => n.state === 'recording').map((n) => n.unitId));
    const emergencyUnits = new Set([...store.units.values()].filter((u) => u.emergencyId !== null || recording.has(u.id)).map((u) => u.id));
    for (const u of store.units.values()) {
      const m = unitMarker(u);
      // A unit with no fix at the moment shown (replay) is not on the map.
      if (!m && units.has(u.id)) {
        units.get(u.id)!.remove();
        units.delete(u.id);
      }
      const fixAge = u.fix ? now - Date.parse(u.fix.fixTime) : null;
      const stale = fixAge === null || fixAge > STALE_FIX_MS || u.lostContact;
      const icon = m?.getElement();
      if (icon) {
        icon.dataset.unit = u.id;
        icon.dataset.state = u.state;
        icon.dataset.lat = String(u.fix!.lat);
        icon.dataset.lon = String(u.fix!.lon);
        icon.classList.toggle('stale', stale);
        icon.classList.toggle('in-emergency', emergencyUnits.has(u.id));
        icon.classList.toggle('talking', u.talking !== null);
        icon.querySelector('b')!.textContent = u.callsign;
        icon.querySelector('.age')!.textContent = fixAge === null ? '' : age(fixAge);
      }
      let row = rows.get(u.id);
      if (!row) {
        row = h('tr', { 'data-unit': u.id, tabindex: '0' }, h('td', {}), h('td', {}), h('td', { class: 'fix-age' }));
        const id = u.id;
        row.addEventListener('click', () => focusUnit(id));
        row.addEventListener('keydown', (ev) => ev.key === 'Enter' && focusUnit(id));
        rows.set(u.id, row);
        unitList.append(row);
      }
      // Updated in place, so a row never disappears from under the pointer or the keyboard focus.
      row.dataset.state = u.state;
      row.classList.toggle('stale', stale);
      row.classList.toggle('in-emergency', emergencyUnits.has(u.id));
      const [name, state, fix] = Array.from(row.children) as HTMLElement[];
      fill(
        name!,
        h('span', { class: `swatch state-${u.state}`, 'aria-hidden': 'true' }),
        u.callsign,
        u.talking ? h('span', { class: 'chip' }, 'talking') : null,
      );
      state!.textContent = emergencyUnits.has(u.id) ? 'EMERGENCY' : u.lostContact ? 'Lost contact' : (STATE_LABEL[u.state] ?? u.state);
      fix!.textContent = fixAge === null ? 'no fix' : age(fixAge);
    }
  };

  const focusUnit = (id: string) => {
    const m = units.get(id);
    if (m) map.setView(m.getLatLng(), Math.max(map.getZoom(), 17));
  };

  const drawOverlay = () => {
    overlay.clearLayers();
    const { store, now, trails } = picture();
    // Each unit's way to the moment replayed, under everything else.
    for (const [unitId, trail] of trails ?? []) {
      if (trail.length < 2) continue;
      const line = L.polyline(
        trail.map((p) => [p.lat, p.lon] as L.LatLngTuple),
        { className: 'unit-trail', color: '#9fe870', weight: 3, opacity: 0.8, interactive: false },
      ).addTo(overlay);
      line.getElement()?.setAttribute('data-unit', unitId);
    }
    for (const inc of store.tracking.incidents.values()) {
      if (inc.state === 'closed') continue;
      const prem = inc.premisesId ? site.premises.find((p) => p.id === inc.premisesId) : undefined;
      const at = inc.position ?? prem?.position ?? (inc.zone ? zoneCentre.get(inc.zone) : undefined);
      if (at) {
        const marker = L.circleMarker(ll(at), { radius: 9, color: '#ffb020', weight: 3, fillOpacity: 0.2, className: 'incident' })
          .bindTooltip(text(`${inc.reference ? `${inc.reference} ` : ''}${categoryName(inc.category)} (${inc.state})`))
          .addTo(overlay);
        marker.getElement()?.setAttribute('data-incident', inc.incidentId);
        if (inc.reference) marker.getElement()?.setAttribute('data-reference', inc.reference);
      }
    }
    // The suspect the tracking panel selected is a live view: not drawn over a replayed town.
    const t = trails ? null : ctx.store.track;
    if (t) {
      for (const p of t.predicted) {
        const z = zoneLayers.get(p.zone);
        if (z)
          L.polygon(z.getLatLngs(), { className: 'predicted', color: '#ff4fd8', weight: 3, dashArray: '4 4', fillOpacity: 0.18 })
            .bindTooltip(
              text(
                `${t.neighboursOnly ? 'Reachable next' : 'Predicted next'}: ${site.zones.find((x) => x.id === p.zone)?.name ?? p.zone}${p.probability !== null ? ` (${Math.round(p.probability * 100)}%)` : ''}`,
              ),
            )
            .addTo(overlay);
      }
      if (t.points.length) {
        L.polyline(
          t.points.map((p) => ll(p.position)),
          { className: 'track', color: '#ff4fd8', weight: 4 },
        ).addTo(overlay);
        const last = t.points.at(-1)!;
        // Names, not ids: the tracking panel that selected him has already asked the gallery.
        const who = text('Last seen');
        void subjectName(ctx, t.subjectId).then((name) => (who.textContent = `${name}, last seen`));
        L.circleMarker(ll(last.position), { radius: 7, color: '#fff', fillColor: '#ff4fd8', fillOpacity: 1, className: 'track-head' })
          .bindTooltip(who)
          .addTo(overlay);
      }
    }
    // Orders in force, last so their red outline stays on top: excluded zones and drawn areas.
    for (const c of store.tracking.cbos.values()) {
      if ((c.state !== 'issued' && c.state !== 'extended') || Date.parse(c.startsAt) > now || Date.parse(c.expiresAt) <= now) continue;
      // Names, not ids: the order by its kind and reference, and when it applies.
      const label = `${orderTitle(c)}: excluded ${windowsText(c.windows)}`;
      for (const zoneId of c.excludedZones) {
        const z = site.zones.find((x) => x.id === zoneId);
        if (z)
          L.polygon(z.polygon.map(ll), { className: 'exclusion', color: '#ff5c5c', weight: 3, dashArray: '6 4', fillOpacity: 0.12 })
            .bindTooltip(text(label))
            .addTo(overlay);
      }
      for (const premisesId of c.excludedPremises) {
        const p = site.premises.find((x) => x.id === premisesId);
        if (p)
          L.circleMarker(ll(p.position), { className: 'exclusion exclusion-premises', color: '#ff5c5c', weight: 3, radius: 11, fillOpacity: 0.2 })
            .bindTooltip(text(`${label}: ${p.name}`))
            .addTo(overlay);
      }
      for (const a of c.excludedAreas)
        L.polygon(a.polygon.map(ll), { className: 'exclusion', color: '#ff5c5c', weight: 2, dashArray: '6 4', fillOpacity: 0.2 })
          .bindTooltip(text(`${label}: ${a.name}`))
          .addTo(overlay);
    }
  };

  const drawCameras = () => {
    for (const c of ctx.store.cameras.values()) {
      const layer = cameraLayers.get(c.id);
      const colour = c.health === 'offline' ? '#ff5c5c' : c.health === 'online' ? '#4cc2ff' : '#8a99a8';
      layer?.dot.setStyle({ color: colour });
      layer?.fov.setStyle({ color: colour });
    }
  };

  const redrawUnits = coalesce(drawUnits, 100);
  const redrawOverlay = coalesce(drawOverlay, 100);
  ctx.store.subscribe((t) => {
    if (replayed) return; // the live picture is drawn again on leaving replay
    if (t.has('units') || t.has('positions') || t.has('emergencies')) redrawUnits();
    if (t.has('tracking')) redrawOverlay();
    if (t.has('cameras')) drawCameras();
  });
  const timer = window.setInterval(() => (!el.isConnected ? window.clearInterval(timer) : replayed ? undefined : drawUnits()), 1000);
  drawUnits();
  drawOverlay();
  drawCameras();

  return {
    el,
    show() {
      // Leaflet measures its container: it was hidden until now.
      requestAnimationFrame(() => {
        map.invalidateSize();
        if (!fitted && bounds.isValid() && mapEl.clientWidth > 0) {
          map.fitBounds(bounds, { padding: [10, 10] });
          fitted = true;
        }
        const unit = new URLSearchParams(location.search).get('unit');
        if (unit) focusUnit(unit);
      });
    },
  };
}

/** The tile server's attribution, bottom right where Leaflet puts its own, as plain text. */
function attribution(label: string): L.Control {
  const control = new L.Control({ position: 'bottomright' });
  control.onAdd = () => text(label, 'leaflet-control-attribution');
  return control;
}

function legend(): HTMLElement {
  return h(
    'div',
    { class: 'legend', 'aria-label': 'Legend' },
    h('h3', {}, 'Legend'),
    h(
      'ul',
      {},
      Object.entries(STATE_LABEL).map(([k, v]) => h('li', {}, h('span', { class: `swatch state-${k}`, 'aria-hidden': 'true' }), v)),
      h('li', {}, h('span', { class: 'swatch camera', 'aria-hidden': 'true' }), 'Camera and field of view'),
      h('li', {}, h('span', { class: 'swatch premises', 'aria-hidden': 'true' }), 'Member premises'),
      h('li', {}, h('span', { class: 'swatch incident', 'aria-hidden': 'true' }), 'Open incident'),
      h('li', {}, h('span', { class: 'swatch exclusion', 'aria-hidden': 'true' }), 'CBO exclusion zone'),
      h('li', {}, h('span', { class: 'swatch track', 'aria-hidden': 'true' }), 'Suspect track, predicted zones'),
      h('li', {}, h('span', { class: 'swatch unit-trail', 'aria-hidden': 'true' }), "A unit's way (replay, last 30 min)"),
    ),
  );
}
