import { ApiError, api } from '../api/client.js';
import { safeNext } from '../next-path.js';

/**
 * The sign-in page, built with the DOM rather than React: it is the first page of every
 * signed-out visit, and with React and the router it could not be held to its budget of
 * initial JavaScript (docs/web-ui.md "Bundle"). It looks like the React pages (the same
 * classes of styles.css) and leaves by a full page load to `?next=`, where the React app
 * starts with the new session.
 */

/** `?ended=1`: the React app sent the person here because their session ended. */
export const sessionEndedFlag = 'ended';

function element<Tag extends keyof HTMLElementTagNameMap>(
  tag: Tag,
  properties: Partial<HTMLElementTagNameMap[Tag]> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[Tag] {
  const node = Object.assign(document.createElement(tag), properties);
  node.append(...children);
  return node;
}

function field(label: string, input: Partial<HTMLInputElement>): [HTMLElement, HTMLInputElement] {
  const control = element('input', { required: true, ...input });
  const wrapper = element(
    'div',
    { className: 'field' },
    element('label', { htmlFor: control.id }, label),
    control,
  );
  return [wrapper, control];
}

function message(error: unknown): string {
  if (!(error instanceof ApiError)) return String(error);
  // As describeError in components/feedback.tsx says it, without loading React for it.
  if (error.code === 'RATE_LIMITED')
    return 'Too many failed attempts. Wait a little and try again.';
  return error.message;
}

/** Shows the sign-in page in `root`; once signed in, goes to `?next=` (this site's paths only). */
export function showSignInPage(root: HTMLElement): void {
  const params = new URLSearchParams(window.location.search);
  const next = safeNext(params.get('next'));
  document.title = 'Sign in · orgtoken';

  // Someone already signed in has nothing to do here.
  api.session().then(
    () => window.location.replace(next),
    () => undefined,
  );

  const [emailField, email] = field('Email', {
    id: 'sign-in-email',
    type: 'email',
    autocomplete: 'username',
  });
  const [passwordField, password] = field('Password', {
    id: 'sign-in-password',
    type: 'password',
    autocomplete: 'current-password',
  });
  const submit = element(
    'button',
    { type: 'submit', className: 'button button-primary' },
    'Sign in',
  );
  const failure = element('p', { className: 'notice notice-error' });
  failure.setAttribute('role', 'alert');
  const form = element('form', { className: 'form' }, emailField, passwordField, submit);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    failure.remove();
    submit.disabled = true;
    try {
      await api.signIn(email.value, password.value);
      window.location.replace(next);
    } catch (error) {
      failure.textContent = message(error);
      submit.before(failure);
      submit.disabled = false;
    }
  });

  const main = element(
    'main',
    { id: 'main', className: 'centered narrow' },
    element('p', { className: 'brand brand-large' }, 'orgtoken'),
    element('h1', {}, 'Sign in'),
  );
  if (params.has(sessionEndedFlag)) {
    const ended = element(
      'p',
      { className: 'notice' },
      'Your session ended. Sign in again to go back where you were.',
    );
    ended.setAttribute('role', 'status');
    main.append(ended);
  }
  main.append(form);
  root.replaceChildren(main);
  email.focus();
}
