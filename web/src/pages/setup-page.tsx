import { useState } from 'react';
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

/** First-run setup: create the first instance admin with the code the server printed. */
export function SetupPage() {
  const { setSession } = useSession();
  const navigate = useNavigate();
  const [code, setCode] = useState(takeCodeFromFragment);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const state = useLoad(() => api.setupRequired(), []);

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
          <Form className="form" onSubmit={submit}>
            <Field label="Setup code" value={code} onChange={setCode} isRequired />
            <Field
              label="Your name"
              value={name}
              onChange={setName}
              isRequired
              autoComplete="name"
            />
            <Field
              label="Email"
              type="email"
              value={email}
              onChange={setEmail}
              isRequired
              autoComplete="username"
            />
            <Field
              label="Password"
              type="password"
              description="At least 12 characters."
              value={password}
              onChange={setPassword}
              isRequired
              minLength={12}
              autoComplete="new-password"
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
