import type { PersonView } from '../../../gateway/contract/people';
import { MIN_PASSWORD_LENGTH } from '../../../gateway/contract/people-rules';
import type { ConsoleRole } from '../../../gateway/contract/roles';
import { ApiFailure } from '../api';
import { confirmDialog } from '../confirm';
import type { Ctx, View } from '../context';
import { dateTime, fill, h } from '../dom';

/** Console roles in the words a security manager uses, in the order they are offered. */
const ROLE_WORDS: ReadonlyArray<[ConsoleRole, string]> = [
  ['controller', 'Controller'],
  ['cctv-operator', 'CCTV operator'],
  ['police', 'Police'],
  ['member', 'Member (a shop or premises)'],
  ['security-manager', 'Security manager'],
  ['engineer', 'Engineer'],
];
const roleWord = (r: string) => ROLE_WORDS.find(([k]) => k === r)?.[1] ?? r;

/** Unambiguous letters and digits (no l/1, o/0): read out over the phone. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A temporary password to tell the person: three groups of four, made in this browser, never sent back. */
export function suggestPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  const chars = Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]!);
  return [chars.slice(0, 4), chars.slice(4, 8), chars.slice(8)].map((g) => g.join('')).join('-');
}

/**
 * People (the security manager): everyone who uses the console, by name, with their role,
 * premises and whether they can log in; add a person with a temporary password; change a
 * person's name, role or premises; set a temporary password; disable or enable an account.
 * The gateway checks every rule (the last security manager, nobody disables themselves) and
 * journals each change with who made it; the page shows its refusals as they are worded.
 * Nothing here takes the focus on its own: only the person's own action moves it.
 */
export function peopleView(ctx: Ctx): View {
  const site = ctx.store.site!;
  const premisesName = (id: string | null) => (id ? (site.premises.find((p) => p.id === id)?.name ?? id) : '');
  const premisesOptions = () => [h('option', { value: '' }, 'Choose the premises'), ...site.premises.map((p) => h('option', { value: p.id }, p.name))];
  const roleOptions = () => ROLE_WORDS.map(([k, w]) => h('option', { value: k }, w));
  let people: PersonView[] = [];

  // ---- Add a person
  const addUsername = h('input', {
    id: 'person-username',
    required: true,
    maxlength: 63,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'person-username-help',
  });
  const addName = h('input', { id: 'person-name', required: true, maxlength: 100, autocomplete: 'off' });
  const addRole = h('select', { id: 'person-role' }, roleOptions());
  const addPremises = h('select', { id: 'person-premises' }, premisesOptions());
  const addPremisesRow = h('div', { class: 'person-premises', hidden: true }, h('label', { for: 'person-premises' }, 'Premises'), addPremises);
  const addPassword = h('input', {
    id: 'person-password',
    required: true,
    minlength: MIN_PASSWORD_LENGTH,
    maxlength: 256,
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const addSuggest = h('button', { type: 'button', id: 'person-suggest' }, 'Suggest one');
  const addButton = h('button', { type: 'submit', class: 'primary' }, 'Add person');
  const addError = h('p', { class: 'form-error', role: 'alert', id: 'person-error' });
  const addForm = h(
    'form',
    { class: 'compose', id: 'person-form', 'aria-labelledby': 'person-form-title' },
    h('h2', { id: 'person-form-title' }, 'Add a person'),
    h('label', { for: 'person-name' }, 'Name'),
    addName,
    h('label', { for: 'person-username' }, 'Username'),
    addUsername,
    h('p', { class: 'muted', id: 'person-username-help' }, 'Lower-case letters, digits, dots and dashes, e.g. jo.bloggs'),
    h('label', { for: 'person-role' }, 'Role'),
    addRole,
    addPremisesRow,
    h('label', { for: 'person-password' }, 'Temporary password'),
    h('div', { class: 'inline' }, addPassword, addSuggest),
    h('p', { class: 'muted' }, 'Tell it to the person: they choose their own at their first login.'),
    addButton,
    addError,
  );
  addRole.addEventListener('change', () => (addPremisesRow.hidden = addRole.value !== 'member'));
  addSuggest.addEventListener('click', () => {
    addPassword.value = suggestPassword();
    addPassword.focus();
  });
  addForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    addError.textContent = '';
    const member = addRole.value === 'member';
    if (member && !addPremises.value) {
      addError.textContent = 'A member needs the premises they report for.';
      addPremises.focus();
      return;
    }
    addButton.disabled = true;
    ctx.api
      .post<PersonView>('/api/users', {
        username: addUsername.value.trim(),
        displayName: addName.value.trim(),
        consoleRole: addRole.value,
        premisesId: member ? addPremises.value : null,
        temporaryPassword: addPassword.value,
      })
      .then(
        (p) => {
          addButton.disabled = false;
          addForm.reset();
          addPremisesRow.hidden = true;
          ctx.notify(`${p.displayName} added as ${roleWord(p.consoleRole)}: they choose their password at their first login`);
          addName.focus();
          return load();
        },
        (err: unknown) => {
          addButton.disabled = false;
          addError.textContent = failure(err);
        },
      );
  });

  // ---- Change a person
  let editing: PersonView | null = null;
  const editTitle = h('h2', { id: 'person-edit-title' });
  const editName = h('input', { id: 'edit-name', required: true, maxlength: 100, autocomplete: 'off' });
  const editRole = h('select', { id: 'edit-role' }, roleOptions());
  const editPremises = h('select', { id: 'edit-premises' }, premisesOptions());
  const editPremisesRow = h('div', { class: 'person-premises' }, h('label', { for: 'edit-premises' }, 'Premises'), editPremises);
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save changes');
  const editError = h('p', { class: 'form-error', role: 'alert', id: 'edit-error' });
  const resetPassword = h('input', { id: 'reset-password', minlength: MIN_PASSWORD_LENGTH, maxlength: 256, autocomplete: 'off', spellcheck: 'false' });
  const resetSuggest = h('button', { type: 'button', id: 'reset-suggest' }, 'Suggest one');
  const reset = h('button', { type: 'button', id: 'reset-button' }, 'Set temporary password');
  const toggle = h('button', { type: 'button', id: 'disable-button' });
  const close = h('button', { type: 'button', id: 'edit-close' }, 'Close');
  const editForm = h(
    'form',
    { class: 'compose', id: 'person-edit', 'aria-labelledby': 'person-edit-title', hidden: true },
    editTitle,
    h('label', { for: 'edit-name' }, 'Name'),
    editName,
    h('label', { for: 'edit-role' }, 'Role'),
    editRole,
    editPremisesRow,
    h('p', { class: 'muted' }, 'A new role or premises logs the person out: they log in again with it.'),
    save,
    h(
      'fieldset',
      {},
      h('legend', {}, 'Forgotten password'),
      h('label', { for: 'reset-password' }, 'Temporary password'),
      h('div', { class: 'inline' }, resetPassword, resetSuggest),
      reset,
    ),
    h('fieldset', {}, h('legend', {}, 'Account'), toggle),
    close,
    editError,
  );
  editRole.addEventListener('change', () => (editPremisesRow.hidden = editRole.value !== 'member'));
  resetSuggest.addEventListener('click', () => {
    resetPassword.value = suggestPassword();
    resetPassword.focus();
  });

  // ---- The second look before a person loses access
  const dialog = confirmDialog({
    id: 'person-dialog',
    titleId: 'person-confirm-title',
    textId: 'person-confirm-text',
    cancel: { label: 'Cancel', attrs: { id: 'person-cancel' } },
    confirm: { attrs: { id: 'person-confirm' } },
  });
  const confirm = (title: string, question: string, action: string, then: () => void, from: HTMLElement) =>
    dialog.ask({ title, question, confirm: action, onConfirm: then, returnTo: () => from });

  const change = (body: Record<string, unknown>, done: string) =>
    ctx.api.patch<PersonView>(`/api/users/${encodeURIComponent(editing!.username)}`, body).then(
      (p) => {
        ctx.notify(done.replace('{name}', p.displayName));
        editing = p;
        showEdit(p, false);
        return load();
      },
      (err: unknown) => {
        editError.textContent = failure(err);
      },
    );

  editForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!editing) return;
    editError.textContent = '';
    const member = editRole.value === 'member';
    if (member && !editPremises.value) {
      editError.textContent = 'A member needs the premises they report for.';
      editPremises.focus();
      return;
    }
    const body: Record<string, unknown> = {};
    if (editName.value.trim() !== editing.displayName) body.displayName = editName.value.trim();
    if (editRole.value !== editing.consoleRole) body.consoleRole = editRole.value;
    const premisesId = member ? editPremises.value : null;
    if (premisesId !== editing.premisesId) body.premisesId = premisesId;
    if (Object.keys(body).length === 0) {
      editError.textContent = 'Nothing has changed.';
      return;
    }
    const p = editing;
    const logsOut = body.consoleRole !== undefined || body.premisesId !== undefined;
    const apply = () => void change(body, '{name}: saved');
    if (!logsOut) return apply();
    confirm(
      `Change ${p.displayName}?`,
      `${p.displayName} becomes ${roleWord(editRole.value)}${member ? ` for ${premisesName(editPremises.value)}` : ''}, and is logged out now.`,
      'Save and log out',
      apply,
      save,
    );
  });
  reset.addEventListener('click', () => {
    if (!editing) return;
    editError.textContent = '';
    if (resetPassword.value.length < MIN_PASSWORD_LENGTH) {
      editError.textContent = `A temporary password has at least ${MIN_PASSWORD_LENGTH} characters: type one or press Suggest one.`;
      resetPassword.focus();
      return;
    }
    const p = editing;
    const temporaryPassword = resetPassword.value;
    confirm(
      `Reset ${p.displayName}'s password?`,
      `${p.displayName} is logged out now, and must choose a new password at the next login, after logging in with the temporary one.`,
      'Set temporary password',
      () =>
        void ctx.api.post<PersonView>(`/api/users/${encodeURIComponent(p.username)}/password`, { temporaryPassword }).then(
          (q) => {
            resetPassword.value = '';
            ctx.notify(`${q.displayName}: temporary password set. Tell it to them; they choose their own at the next login`);
            editing = q;
            showEdit(q, false);
            return load();
          },
          (err: unknown) => {
            editError.textContent = failure(err);
          },
        ),
      reset,
    );
  });
  toggle.addEventListener('click', () => {
    if (!editing) return;
    editError.textContent = '';
    const p = editing;
    if (p.disabled) return void change({ disabled: false }, '{name} can log in again');
    confirm(
      `Disable ${p.displayName}?`,
      `${p.displayName} is logged out at once and cannot log in until the account is enabled again.`,
      'Disable account',
      () => void change({ disabled: true }, '{name} is disabled and logged out'),
      toggle,
    );
  });
  close.addEventListener('click', () => {
    const was = editing;
    editForm.hidden = true;
    addForm.hidden = false;
    editing = null;
    render();
    tbody.querySelector<HTMLButtonElement>(`button[data-username="${CSS.escape(was?.username ?? '')}"]`)?.focus();
  });

  const showEdit = (p: PersonView, focus: boolean) => {
    editTitle.textContent = `Change ${p.displayName}`;
    editName.value = p.displayName;
    editRole.value = p.consoleRole;
    editPremises.value = p.premisesId ?? '';
    editPremisesRow.hidden = p.consoleRole !== 'member';
    toggle.textContent = p.disabled ? 'Enable account' : 'Disable account';
    const self = p.username === ctx.me.username;
    toggle.disabled = self && !p.disabled;
    toggle.title = toggle.disabled ? 'You cannot disable your own account' : '';
    editError.textContent = '';
    // One form at a time: the list stays in view beside it.
    editForm.hidden = false;
    addForm.hidden = true;
    if (focus) editName.focus();
  };

  // ---- The list
  const tbody = h('tbody', { id: 'people-rows' });
  const count = h('span', { class: 'muted', id: 'people-count' });
  const table = h(
    'table',
    { class: 'people', 'aria-labelledby': 'people-title' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Name', 'Username', 'Role', 'Premises', 'Status', 'Last change', ''].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    tbody,
  );
  const status = (p: PersonView) =>
    p.disabled ? h('span', { class: 'chip bad' }, 'Disabled') : p.mustChangePassword ? h('span', { class: 'chip warn' }, 'Temporary password') : 'Active';
  const render = () => {
    fill(
      tbody,
      people.map((p) => {
        const open = h('button', { type: 'button', class: 'small', 'data-username': p.username, 'aria-label': `Change ${p.displayName}` }, 'Change');
        open.addEventListener('click', () => {
          editing = p;
          showEdit(p, true);
          render();
        });
        return h(
          'tr',
          { 'data-username': p.username, 'data-disabled': p.disabled ? 'true' : null, 'aria-current': editing?.username === p.username ? 'true' : null },
          h('td', { class: 'person-name' }, p.displayName),
          h('td', {}, p.username),
          h('td', {}, roleWord(p.consoleRole)),
          h('td', {}, premisesName(p.premisesId)),
          h('td', { class: 'person-status' }, status(p)),
          h('td', { class: 'muted' }, p.updatedAt ? `${dateTime(p.updatedAt)} by ${p.updatedBy ?? '?'}` : 'as set up'),
          h('td', {}, open),
        );
      }),
    );
    count.textContent = `${people.length} people, ${people.filter((p) => p.disabled).length} disabled`;
  };
  const load = () =>
    ctx.api.get<PersonView[]>('/api/users').then(
      (list) => {
        people = list;
        render();
      },
      (err: unknown) => ctx.notify(failure(err), 'error'),
    );

  const el = h(
    'section',
    { class: 'panel people-panel' },
    h('div', { class: 'people-forms' }, editForm, addForm, dialog.dialog),
    h('div', {}, h('div', { class: 'toolbar' }, h('h2', { id: 'people-title' }, 'People'), count), table),
  );
  return { el, show: () => void load() };
}

const FIELD_WORDS: Record<string, string> = {
  username: 'Username',
  displayName: 'Name',
  consoleRole: 'Role',
  premisesId: 'Premises',
  temporaryPassword: 'Temporary password',
};

/** The gateway's refusal in words: `premisesId: …` reads as `Premises: …`. */
function failure(err: unknown): string {
  if (!(err instanceof ApiFailure)) return String(err);
  return err.message.replace(/\b(username|displayName|consoleRole|premisesId|temporaryPassword): /g, (_m, f: string) => `${FIELD_WORDS[f]}: `);
}
