import type { SessionInfo } from '../../../gateway/contract/api';
import { MIN_PASSWORD_LENGTH } from '../../../gateway/contract/people-rules';
import { ApiFailure, type Api } from '../api';
import { h } from '../dom';

/**
 * The first login with a temporary password (set by the security manager): before anything else
 * the person chooses their own. The gateway has opened no session yet; this form logs in with
 * the temporary password and the new one together (`POST /api/login/password`), and only then
 * is there a console. The temporary password stays in this closure, never on screen.
 */
export function newPasswordForm(
  api: Api,
  opts: { username: string; password: string; onLogin: (me: SessionInfo) => void; onCancel: (message: string) => void },
): HTMLFormElement {
  const error = h('p', { class: 'form-error', role: 'alert', id: 'new-password-error' });
  const help = `At least ${MIN_PASSWORD_LENGTH} characters, not your username. A few words you will remember are best.`;
  const fresh = h('input', {
    id: 'new-password',
    type: 'password',
    autocomplete: 'new-password',
    required: true,
    minlength: MIN_PASSWORD_LENGTH,
    maxlength: 256,
    'aria-describedby': 'new-password-help',
  });
  const again = h('input', { id: 'new-password-again', type: 'password', autocomplete: 'new-password', required: true, maxlength: 256 });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Set password and log in');
  const cancel = h('button', { type: 'button', id: 'new-password-cancel' }, 'Cancel');
  const form = h(
    'form',
    { class: 'login', id: 'new-password-form', 'aria-labelledby': 'new-password-title' },
    h('h1', { id: 'new-password-title' }, 'Choose your password'),
    h('p', {}, `Welcome, ${opts.username}. Your password was set by the security manager for this first login: choose your own to continue.`),
    h('label', { for: 'new-password' }, 'New password'),
    fresh,
    h('p', { class: 'muted', id: 'new-password-help' }, help),
    h('label', { for: 'new-password-again' }, 'New password again'),
    again,
    submit,
    cancel,
    error,
  );
  cancel.addEventListener('click', () => opts.onCancel('Log in again to choose your password.'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    error.textContent = '';
    if (fresh.value !== again.value) {
      error.textContent = 'The two passwords are not the same.';
      again.select();
      return;
    }
    submit.disabled = true;
    api.post<SessionInfo>('/api/login/password', { username: opts.username, password: opts.password, newPassword: fresh.value }).then(
      (me) => opts.onLogin(me),
      (err: unknown) => {
        submit.disabled = false;
        // The temporary password no longer works (reset again, or locked out): back to the login.
        if (err instanceof ApiFailure && (err.status === 401 || err.status === 429)) return opts.onCancel(err.message);
        error.textContent = err instanceof ApiFailure ? err.message.replace(/^newPassword: /, '') : 'could not set the password';
        fresh.select();
      },
    );
  });
  return form;
}
