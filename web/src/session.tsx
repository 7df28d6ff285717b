import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { ApiError, api, rememberCsrfToken, whenSessionLost } from './api/client.js';
import type { Session } from './api/types.js';
import { signInPath } from './next-path.js';

interface SessionState {
  session: Session | null;
  /** True once a request found the session ended (expired, or signed out elsewhere). */
  lost: boolean;
  /** Sets the session after sign-in, or clears it after sign-out. */
  setSession(session: Session | null): void;
}

const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside <SessionProvider>');
  return state;
}

/** The signed-in user; only under <RequireSession>, where there always is one. */
export function useUser() {
  const { session } = useSession();
  if (!session) throw new Error('useUser without a session');
  return session.user;
}

/**
 * Loads the session once, keeps the CSRF token for mutations, and sends the person to
 * sign-in — remembering where they were — as soon as any request finds the session gone.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSessionState] = useState<Session | null | undefined>(undefined);
  const [failure, setFailure] = useState<string | null>(null);
  const [lost, setLost] = useState(false);
  const navigate = useNavigate();
  const location = useLocation();

  const setSession = useCallback((next: Session | null) => {
    rememberCsrfToken(next?.csrfToken ?? null);
    if (next) setLost(false);
    setSessionState(next);
  }, []);

  useEffect(() => {
    api.session().then(setSession, (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) setSession(null);
      else setFailure(error instanceof Error ? error.message : String(error));
    });
  }, [setSession]);

  const here = `${location.pathname}${location.search}`;
  useEffect(() => {
    whenSessionLost(() => {
      setLost(true);
      setSession(null);
      navigate(signInPath(here), { replace: true });
    });
    return () => whenSessionLost(null);
  }, [navigate, here, setSession]);

  if (failure) {
    return (
      <main className="centered">
        <h1>orgtoken is not reachable</h1>
        <p role="alert">{failure}</p>
      </main>
    );
  }
  if (session === undefined) {
    return (
      <main className="centered">
        <p role="status">Loading…</p>
      </main>
    );
  }
  return (
    <SessionContext.Provider value={{ session, lost, setSession }}>
      {children}
    </SessionContext.Provider>
  );
}
