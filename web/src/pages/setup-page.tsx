import { useEffect, useRef, useState } from 'react';
import { Button, Form } from 'react-aria-components';
import { Link, useNavigate } from 'react-router';
import { api } from '../api/client.js';
import { ErrorNotice, Loading } from '../components/feedback.js';
import { Field } from '../components/fields.js';
import { useLoad } from '../hooks/use-load.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { useSubmit } from '../hooks/use-submit.js';
import { useSession } from '../session.js';

// The code arrives in the fragment (/setup#code=…), which browsers never send to a server,
// so it reaches no log. It is read once and wiped from the address bar.
function takeCodeFromFragment(): string {
  const code = new URLSearchParams(window.location.hash.slice(1)).get('code') ?? '';
  if (window.location.hash) {
    window.history.replaceState(window.history.state, '', window.location.pathname);
  }
  return code;
}

const minPasswordLength = 12;

interface SetupFields {
  code: string;
  name: string;
  email: string;
  password: string;
}

function problemsOf(fields: SetupFields): Partial<Record<keyof SetupFields, string>> {
  const problems: Partial<Record<keyof SetupFields, string>> = {};
  if (!fields.code.trim()) problems.code = 'Enter the setup code from the server log.';
  if (!fields.name.trim()) problems.name = 'Enter your name.';
  if (!/^[^\s@]+@[^\s@]+$/.test(fields.email.trim())) problems.email = 'Enter an email address.';
  if (fields.password.length < minPasswordLength)
    problems.password = `The password needs at least ${minPasswordLength} characters.`;
  return problems;
}

/**
 * First-run setup: create the first instance admin with the code the server printed.
 *
 * The form checks itself (`validationBehavior="aria"`) instead of leaving it to the browser:
 * a browser's message goes away when the field loses the focus, which is on the press of the
 * button, so the button moved up under the pointer and the first click after a fix was lost.
 * These messages follow what is typed, so the layout is already settled before the click.
 */
export function SetupPage() {
  const { setSession } = useSession();
  const navigate = useNavigate();
  const [code, setCode] = useState(takeCodeFromFragment);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [checked, setChecked] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  const state = useLoad(() => api.setupRequired(), []);
  const problems = checked > 0 ? problemsOf({ code, name, email, password }) : {};

  // After a refused submit, the first field to fix takes the focus, as the browser would do.
  useEffect(() => {
    if (checked > 0) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [checked]);

  usePageTitle('Set up orgtoken');
  const { submit, error, busy } = useSubmit(async () => {
    await api.completeSetup({ code: code.trim(), name, email, password });
    setSession(await api.signIn(email, password));
    navigate('/', { replace: true });
  });

  return (
    <main id="main" className="centered narrow">
      <p className="brand brand-large">orgtoken</p>
      <h1>Set up orgtoken</h1>
      <ErrorNotice error={state.error} />
      {!state.data ? (
        !state.error && <Loading what="the setup state" />
      ) : !state.data.required ? (
        <p>
          This orgtoken is already set up. <Link to="/signin">Sign in</Link>
        </p>
      ) : (
        <>
          <p>Create the first instance admin. The setup code was printed in the server's log.</p>
          <Form
            ref={form}
            className="form"
            validationBehavior="aria"
            onSubmit={(event) => {
              event.preventDefault();
              setChecked((count) => count + 1);
              if (Object.keys(problemsOf({ code, name, email, password })).length === 0)
                void submit();
            }}
          >
            <Field
              label="Setup code"
              value={code}
              onChange={setCode}
              isRequired
              problem={problems.code}
            />
            <Field
              label="Your name"
              value={name}
              onChange={setName}
              isRequired
              autoComplete="name"
              problem={problems.name}
            />
            <Field
              label="Email"
              type="email"
              value={email}
              onChange={setEmail}
              isRequired
              autoComplete="username"
              problem={problems.email}
            />
            <Field
              label="Password"
              type="password"
              description={`At least ${minPasswordLength} characters.`}
              value={password}
              onChange={setPassword}
              isRequired
              autoComplete="new-password"
              problem={problems.password}
            />
            <ErrorNotice error={error} />
            <Button type="submit" className="button button-primary" isDisabled={busy}>
              Create admin and sign in
            </Button>
          </Form>
        </>
      )}
    </main>
  );
}
