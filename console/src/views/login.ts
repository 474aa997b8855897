import type { SessionInfo } from '../../../gateway/contract/api';
import { ApiFailure, type Api } from '../api';
import { PASSWORD_CHANGE_REQUIRED } from '../../../gateway/contract/people-rules';
import { fill, h } from '../dom';
import { newPasswordForm } from './new-password';

/** The login form. `onUnlock` runs inside the click, where browsers allow audio to start. */
export function loginView(api: Api, opts: { message?: string; onLogin: (me: SessionInfo) => void; onUnlock: () => void }): HTMLElement {
  const error = h('p', { class: 'form-error', role: 'alert', id: 'login-error' }, opts.message ?? '');
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true, autofocus: true, maxlength: 64 });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: 256 });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Log in');
  const form = h(
    'form',
    { class: 'login', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Townwatch'),
    h('p', { class: 'muted' }, 'Town centre control room console'),
    h('label', { for: 'username' }, 'Username'),
    username,
    h('label', { for: 'password' }, 'Password'),
    password,
    submit,
    error,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    opts.onUnlock();
    submit.disabled = true;
    error.textContent = '';
    api.post<SessionInfo>('/api/login', { username: username.value.trim(), password: password.value }).then(
      (me) => opts.onLogin(me),
      (err: unknown) => {
        submit.disabled = false;
        // A temporary password: the person chooses their own before anything else works.
        if (err instanceof ApiFailure && err.code === PASSWORD_CHANGE_REQUIRED) {
          const change = newPasswordForm(api, {
            username: username.value.trim(),
            password: password.value,
            onLogin: opts.onLogin,
            onCancel: (message) => {
              fill(page, form);
              password.value = '';
              error.textContent = message;
              password.focus();
            },
          });
          fill(page, change);
          change.querySelector<HTMLInputElement>('#new-password')?.focus();
          return;
        }
        error.textContent = err instanceof ApiFailure ? err.message : 'login failed';
        password.select();
      },
    );
  });
  // The page's main landmark: a screen reader's "go to main" lands on the form.
  const page = h('main', { class: 'login-page' }, form);
  return page;
}
