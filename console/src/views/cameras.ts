import JSMpeg from '@cycjimmy/jsmpeg-player';
import type { Ctx, View } from '../context';
import { age, coalesce, fill, h } from '../dom';
import { clipForm } from './clip-form';
import { may } from '../roles';

/** No decoded frame for this long: the tile says so rather than show a frozen picture as live. */
const NO_SIGNAL_MS = 5000;
const LAYOUTS = [1, 4, 9] as const;
type Layout = (typeof LAYOUTS)[number];

interface Tile {
  el: HTMLElement;
  cameraId: string;
  player: InstanceType<typeof JSMpeg.Player> | null;
  lastFrame: number;
  started: number;
}

/**
 * The camera wall: 1, 4 or 9 tiles, each playing a camera's MPEG-1 stream from the gateway
 * (`/video/<cameraId>`, a WebSocket that JSMpeg decodes in the browser), with the camera's
 * health from the journal and whether frames are actually arriving. Players run only while
 * the wall is on screen.
 */
export function camerasView(ctx: Ctx): View {
  const site = ctx.store.site!;
  let layout: Layout = 4;
  const tiles: Tile[] = [];
  const grid = h('div', { class: 'wall', id: 'camera-wall', 'data-layout': layout });
  const buttons = LAYOUTS.map((n) => {
    const b = h('button', { 'data-layout': n, 'aria-pressed': String(n === layout) }, `${n}`);
    b.addEventListener('click', () => setLayout(n));
    return b;
  });
  const el = h(
    'section',
    { class: 'panel cameras-panel' },
    h('div', { class: 'toolbar' }, h('h2', {}, 'Cameras'), h('span', { role: 'group', 'aria-label': 'Layout', class: 'seg' }, 'Layout ', buttons)),
    grid,
    clipForm(ctx),
  );
  let visible = false;

  const url = (cameraId: string) => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/video/${encodeURIComponent(cameraId)}`;

  const stopTile = (t: Tile) => {
    t.player?.destroy();
    t.player = null;
    t.el.querySelector('canvas')?.remove();
  };

  // An engineer sees the cameras' health, not their pictures: the gateway would refuse the stream.
  const watch = may.watchVideo(ctx.me.consoleRole);

  const startTile = (t: Tile) => {
    stopTile(t);
    if (!watch) return;
    const canvas = h('canvas', { width: 640, height: 360, 'aria-label': `Live video of ${site.cameras.find((c) => c.id === t.cameraId)?.name ?? t.cameraId}` });
    t.el.querySelector('.screen')!.prepend(canvas);
    t.lastFrame = 0;
    t.started = Date.now();
    t.player = new JSMpeg.Player(url(t.cameraId), {
      canvas,
      autoplay: true,
      audio: false,
      disableGl: true,
      pauseWhenHidden: false,
      reconnectInterval: 3,
      onVideoDecode: () => (t.lastFrame = Date.now()),
    });
    status(t);
  };

  const status = (t: Tile) => {
    const cam = ctx.store.cameras.get(t.cameraId);
    const now = Date.now();
    const video = !watch
      ? 'not-watched'
      : t.lastFrame && now - t.lastFrame < NO_SIGNAL_MS
        ? 'live'
        : now - t.started < NO_SIGNAL_MS
          ? 'connecting'
          : 'no-signal';
    t.el.dataset.video = video;
    t.el.dataset.health = cam?.health ?? 'unknown';
    const chip = t.el.querySelector<HTMLElement>('.health')!;
    chip.textContent = `${cam?.health ?? 'unknown'}${cam?.healthSince ? ` ${age(now - cam.healthSince)}` : ''}${cam?.lastFault ? ` · fault: ${cam.lastFault}` : ''}`;
    chip.dataset.health = cam?.health ?? 'unknown';
    t.el.querySelector('.video-state')!.textContent = !watch
      ? 'health only: live video is not for your role'
      : video === 'live'
        ? 'LIVE'
        : video === 'connecting'
          ? 'connecting…'
          : 'no signal';
  };

  const makeTile = (cameraId: string): Tile => {
    const select = h(
      'select',
      { 'aria-label': 'Camera for this tile' },
      site.cameras.map((c) => h('option', { value: c.id }, c.name)),
    );
    select.value = cameraId;
    const el = h(
      'figure',
      { class: 'tile', 'data-camera': cameraId },
      h('div', { class: 'screen' }, h('span', { class: 'video-state' })),
      h('figcaption', {}, select, h('span', { class: 'chip health' })),
    );
    const t: Tile = { el, cameraId, player: null, lastFrame: 0, started: Date.now() };
    select.addEventListener('change', () => {
      t.cameraId = select.value;
      el.dataset.camera = t.cameraId;
      if (visible) startTile(t);
    });
    return t;
  };

  const setLayout = (n: Layout) => {
    layout = n;
    grid.dataset.layout = String(n);
    for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.layout === String(n)));
    while (tiles.length > n) stopTile(tiles.pop()!);
    while (tiles.length < n && site.cameras.length) {
      const t = makeTile(site.cameras[tiles.length % site.cameras.length]!.id);
      tiles.push(t);
      if (visible) startTile(t);
    }
    fill(
      grid,
      tiles.map((t) => t.el),
    );
    for (const t of tiles) status(t);
  };

  const statusAll = coalesce(() => tiles.forEach(status), 100);
  ctx.store.subscribe((t) => t.has('cameras') && statusAll());
  const timer = window.setInterval(() => (el.isConnected ? tiles.forEach(status) : (tiles.forEach(stopTile), window.clearInterval(timer))), 1000);
  setLayout(layout);
  if (!site.cameras.length) fill(grid, h('p', { class: 'muted' }, 'No cameras are configured.'));

  /**
   * `/cameras?camera=<id>` (the handover's "Open"): that camera on the wall, in the first tile
   * unless a tile shows it already, and marked as the one asked for.
   */
  const showAsked = () => {
    const asked = new URLSearchParams(location.search).get('camera');
    if (!asked || !site.cameras.some((c) => c.id === asked) || !tiles.length) return;
    const t = tiles.find((x) => x.cameraId === asked) ?? tiles[0]!;
    t.cameraId = asked;
    t.el.dataset.camera = asked;
    t.el.querySelector('select')!.value = asked;
    for (const x of tiles) x.el.toggleAttribute('data-asked', x === t);
    status(t);
  };

  return {
    el,
    show() {
      visible = true;
      showAsked();
      tiles.forEach(startTile);
    },
    hide() {
      visible = false;
      tiles.forEach(stopTile);
    },
  };
}
