import { h } from './dom';

/** What a screen's confirmation is called in the page: its id, and its buttons' attributes (what tests and people find them by). */
export interface ConfirmIds {
  /** The dialog's id; its title and question are `<id>-title` and `<id>-text` unless given. */
  id: string;
  titleId?: string;
  textId?: string;
  cancel: { label: string; attrs: Record<string, string> };
  confirm: { attrs: Record<string, string> };
}

export interface Confirm {
  readonly dialog: HTMLDialogElement;
  /**
   * Opens the dialog. Cancel has the focus, so Enter or Escape changes nothing; closing it either
   * way puts the focus back on `returnTo` (the field being typed in, or the button that asked).
   */
  ask(q: { title: string; question: string; confirm: string; returnTo: () => HTMLElement | null | undefined; onConfirm: () => void }): void;
}

/**
 * The second look before something hard to take back: a send to many radios or premises, a
 * person logged out, a record leaving the site. One modal dialog per screen, filled by `ask`.
 */
export function confirmDialog(ids: ConfirmIds): Confirm {
  const titleId = ids.titleId ?? `${ids.id}-title`;
  const textId = ids.textId ?? `${ids.id}-text`;
  const title = h('h2', { id: titleId });
  const question = h('p', { id: textId });
  const confirm = h('button', { type: 'button', class: 'primary', ...ids.confirm.attrs });
  const cancel = h('button', { type: 'button', ...ids.cancel.attrs }, ids.cancel.label);
  const dialog = h(
    'dialog',
    { class: 'confirm', id: ids.id, 'aria-labelledby': titleId, 'aria-describedby': textId },
    title,
    question,
    h('div', { class: 'actions' }, cancel, confirm),
  );
  let onConfirm: (() => void) | null = null;
  let returnTo: () => HTMLElement | null | undefined = () => null;
  confirm.addEventListener('click', () => {
    const then = onConfirm;
    onConfirm = null;
    dialog.close();
    then?.();
  });
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    onConfirm = null;
    returnTo()?.focus();
  });
  return {
    dialog,
    ask(q) {
      title.textContent = q.title;
      question.textContent = q.question;
      confirm.textContent = q.confirm;
      onConfirm = q.onConfirm;
      returnTo = q.returnTo;
      dialog.showModal();
      cancel.focus();
    },
  };
}
