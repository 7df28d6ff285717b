import { useState } from 'react';
import { Button, Form } from 'react-aria-components';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api/client.js';
import { ErrorNotice } from '../components/feedback.js';
import { Field } from '../components/fields.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { useSubmit } from '../hooks/use-submit.js';
import { safeNext } from '../next-path.js';
import { useSession } from '../session.js';

/** Sign in, then back to where the person was (`?next=`, this site's paths only). */
export function SignInPage() {
  const { session, setSession, lost: expired } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  usePageTitle('Sign in');
  const { submit, error, busy } = useSubmit(async () => {
    setSession(await api.signIn(email, password));
    navigate(next, { replace: true });
  });

  if (session) return <Navigate to={next} replace />;
  return (
    <main id="main" className="centered narrow">
      <p className="brand brand-large">orgtoken</p>
      <h1>Sign in</h1>
      {expired && (
        <p className="notice" role="status">
          Your session ended. Sign in again to go back where you were.
        </p>
      )}
      <Form className="form" onSubmit={submit}>
        <Field
          label="Email"
          type="email"
          autoComplete="username"
          value={email}
          onChange={setEmail}
          isRequired
          autoFocus
        />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
          isRequired
        />
        <ErrorNotice error={error} />
        <Button type="submit" className="button button-primary" isDisabled={busy}>
          Sign in
        </Button>
      </Form>
    </main>
  );
}
