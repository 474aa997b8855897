import type { EvidenceRecord } from '../../../gateway/contract/socket';
import { ApiFailure } from '../api';
import type { Ctx } from '../context';
import { h, size } from '../dom';
import { incidentSelect } from '../incident-pick';
import { may } from '../roles';

/**
 * Beside the camera wall, for an operator: record a clip from a camera into evidence (the gateway
 * copies the camera's own stream for N seconds, hashes and journals it), and bookmark a moment
 * with a note; either can be attached to an incident picked by its TW number.
 */
export function clipForm(ctx: Ctx): HTMLElement | null {
  const role = ctx.me.consoleRole;
  const record = may.recordClip(role);
  const bookmark = may.markCamera(role);
  if (!record && !bookmark) return null;
  const cameras = ctx.store.site?.cameras ?? [];
  const camera = h(
    'select',
    { id: 'clip-camera', required: true },
    cameras.map((c) => h('option', { value: c.id }, c.name)),
  );
  const incident = incidentSelect(ctx, { id: 'clip-incident', optional: 'No incident' });
  const seconds = h('input', { id: 'clip-seconds', type: 'number', min: 1, max: 600, value: 10, required: true });
  const note = h('input', { id: 'bookmark-note', maxlength: 2000, placeholder: 'What happens at this moment' });
  const status = h('p', { id: 'clip-status', role: 'status', 'aria-live': 'polite' });
  const recordButton = h('button', { type: 'submit', id: 'clip-record' }, 'Record clip');
  const bookmarkButton = h('button', { type: 'button', id: 'bookmark-add' }, 'Bookmark now');
  const cameraName = () => cameras.find((c) => c.id === camera.value)?.name ?? camera.value;
  const failed = (err: unknown) => {
    const text = err instanceof ApiFailure ? err.message : String(err);
    status.textContent = text;
    ctx.notify(text, 'error');
  };

  const form = h(
    'form',
    { class: 'clip-form', id: 'clip-form', 'aria-label': 'Record a clip or bookmark a moment' },
    h('h3', {}, 'Evidence from a camera'),
    h('label', { for: 'clip-camera' }, 'Camera'),
    camera,
    h('label', { for: 'clip-incident' }, 'Incident'),
    incident,
    record ? [h('label', { for: 'clip-seconds' }, 'Seconds'), seconds, recordButton] : null,
    bookmark ? [h('label', { for: 'bookmark-note' }, 'Note'), note, bookmarkButton] : null,
    status,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!record) return;
    const secs = Number(seconds.value);
    const name = cameraName();
    recordButton.disabled = true;
    status.textContent = `Recording ${secs} s from ${name}…`;
    const body = { seconds: secs, ...(incident.value ? { incidentId: incident.value } : {}) };
    ctx.api
      .post<EvidenceRecord>(`/api/cameras/${encodeURIComponent(camera.value)}/clips`, body)
      .then((r) => {
        status.textContent = `Recorded ${r.name} (${size(r.size)}, SHA-256 ${r.receivedSha256.slice(0, 12)}…)`;
        status.dataset.evidence = r.id;
        ctx.notify(`Clip of ${name} saved as evidence`);
      }, failed)
      .finally(() => (recordButton.disabled = false));
  });
  bookmarkButton.addEventListener('click', () => {
    if (!note.value.trim()) {
      status.textContent = 'Write a note for the bookmark';
      note.focus();
      return;
    }
    const body = { note: note.value.trim(), ...(incident.value ? { incidentId: incident.value } : {}) };
    ctx.api.post(`/api/cameras/${encodeURIComponent(camera.value)}/bookmarks`, body).then(() => {
      status.textContent = `Bookmarked ${cameraName()}`;
      note.value = '';
      ctx.notify('Bookmark saved');
    }, failed);
  });
  return form;
}
