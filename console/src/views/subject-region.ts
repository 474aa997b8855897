import type { SubjectView } from '../../../gateway/contract/tracking';
import type { Ctx } from '../context';
import { fill, h } from '../dom';
import { may } from '../roles';

/**
 * Sharing a subject with the region: the other towns' partnerships, through the regional
 * service. It is the control room's or police's decision, like sharing with members, and it
 * takes a confirmation, because the record leaves the site (his name, aliases, description and
 * features; never his photo, markers or birth date). Stopping is recorded too, and the region
 * withdraws its copy. The box keeps its own confirmation dialog, so Enter or Escape there goes
 * back to the button that asked.
 */
export function regionShareBox(
  ctx: Ctx,
  name: (s: SubjectView) => string,
  updated: (s: SubjectView, said: string, box: HTMLElement) => void,
  fail: (err: unknown) => void,
): { el: HTMLElement; render: (s: SubjectView) => void } {
  const el = h('div', { class: 'subject-region', id: 'subject-region' });
  const question = h('p', { id: 'region-question' });
  const confirm = h('button', { type: 'button', class: 'primary', 'data-action': 'region-confirm' });
  const cancel = h('button', { type: 'button', 'data-action': 'region-cancel' }, 'Cancel');
  const dialog = h(
    'dialog',
    { class: 'confirm', id: 'region-dialog', 'aria-labelledby': 'region-dialog-title', 'aria-describedby': 'region-question' },
    h('h3', { id: 'region-dialog-title' }, 'Share with the region?'),
    question,
    h('div', { class: 'actions' }, cancel, confirm),
  );
  let pending: { s: SubjectView; share: boolean; from: HTMLElement } | null = null;

  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    const from = pending?.from;
    pending = null;
    from?.focus();
  });
  confirm.addEventListener('click', () => {
    const p = pending;
    dialog.close();
    if (!p) return;
    ctx.api
      .patch<SubjectView>(`/api/subjects/${encodeURIComponent(p.s.id)}`, { sharedRegionally: p.share })
      .then((u) => updated(u, p.share ? `${name(u)} shared with the region` : `${name(u)} no longer shared with the region`, el), fail);
  });

  const ask = (s: SubjectView, share: boolean, from: HTMLElement) => {
    pending = { s, share, from };
    (dialog.querySelector('h3') as HTMLElement).textContent = share ? 'Share with the region?' : 'Stop sharing with the region?';
    question.textContent = share
      ? `${name(s)}'s name, aliases, description and features go to the other partnerships in the region. His photo, markers and birth date stay here.`
      : `The region is told to withdraw ${name(s)}'s record from the other partnerships.`;
    confirm.textContent = share ? 'Share with the region' : 'Stop sharing';
    dialog.showModal();
    // The safe choice has the focus.
    cancel.focus();
  };

  const render = (s: SubjectView) => {
    if (!may.shareSubjects(ctx.me.consoleRole)) return fill(el);
    const button = h('button', { type: 'button', 'data-action': s.sharedRegionally ? 'region-stop' : 'region-share' });
    button.textContent = s.sharedRegionally ? 'Stop sharing with the region' : 'Share with the region';
    button.addEventListener('click', () => ask(s, !s.sharedRegionally, button));
    fill(
      el,
      h('h3', {}, 'Region'),
      h('p', { class: 'muted' }, s.sharedRegionally ? 'Shared with the other partnerships in the region.' : 'Not shared outside this town centre.'),
      button,
      dialog,
    );
  };
  return { el, render };
}
