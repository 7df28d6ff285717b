import { ApiError } from '../api/client.js';
import { plainValidationMessage } from './field-messages.js';

/** The message a person should read for a failed request. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'PLAN_REQUIRED':
        return `${error.message} Upgrade the organization's plan to use it.`;
      case 'RATE_LIMITED':
        return 'Too many failed attempts. Wait a little and try again.';
      case 'VALIDATION_FAILED':
        return plainValidationMessage(error);
      default:
        return error.message;
    }
  }
  return error instanceof Error ? error.message : String(error);
}

export function ErrorNotice({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="notice notice-error" role="alert">
      {describeError(error)}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

/**
 * A live region for what just happened ("Mia Member is now an admin"): always in the page, so
 * that a screen reader announces the message when it appears, and empty until then.
 */
export function SuccessNotice({ message }: { message: string | null }) {
  return (
    <div role="status" className="status-region">
      {message && <p className="notice notice-success">{message}</p>}
    </div>
  );
}
