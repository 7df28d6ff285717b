import { type FormEvent, useState } from 'react';

/**
 * A form's submit: no page reload, one request at a time (`busy`), and a failure kept in
 * `error` for <ErrorNotice> while what the person typed stays in the form.
 */
export function useSubmit(action: () => Promise<unknown>) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event?: FormEvent<HTMLFormElement>) {
    event?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }
  return { submit, error, busy };
}
