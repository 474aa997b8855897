import type { SubjectView } from '../../../gateway/contract/tracking';
import { confirmDialog } from '../confirm';
import type { Ctx } from '../context';
import { fill, h } from '../dom';
import { may } from '../roles';

/**
 * Sharing a subject with the region: the other towns' partnerships, through the regional
 * service. It is the control room's or police's decision, like sharing with members, and it
 * takes a confirmation, because the record leaves the site (his name, aliases, description and
 * features; never his photo, markers or birth date). Stopping is recorded too, and the region
 * withdraws its copy. Enter or Escape in the confirmation goes back to the button that asked.
 */
export function regionShareBox(
  ctx: Ctx,
  name: (s: SubjectView) => string,
  updated: (s: SubjectView, said: string, box: HTMLElement) => void,
  fail: (err: unknown) => void,
): { el: HTMLElement; render: (s: SubjectView) => void } {
  const el = h('div', { class: 'subject-region', id: 'subject-region' });
  const confirm = confirmDialog({
    id: 'region-dialog',
    titleId: 'region-dialog-title',
    textId: 'region-question',
    cancel: { label: 'Cancel', attrs: { 'data-action': 'region-cancel' } },
    confirm: { attrs: { 'data-action': 'region-confirm' } },
  });

  const ask = (s: SubjectView, share: boolean, from: HTMLElement) =>
    confirm.ask({
      title: share ? 'Share with the region?' : 'Stop sharing with the region?',
      question: share
        ? `${name(s)}'s name, aliases, description and features go to the other partnerships in the region. His photo, markers and birth date stay here.`
        : `The region is told to withdraw ${name(s)}'s record from the other partnerships.`,
      confirm: share ? 'Share with the region' : 'Stop sharing',
      returnTo: () => from,
      onConfirm: () =>
        void ctx.api
          .patch<SubjectView>(`/api/subjects/${encodeURIComponent(s.id)}`, { sharedRegionally: share })
          .then((u) => updated(u, share ? `${name(u)} shared with the region` : `${name(u)} no longer shared with the region`, el), fail),
    });

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
      confirm.dialog,
    );
  };
  return { el, render };
}
