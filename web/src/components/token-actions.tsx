import { useState } from 'react';
import { Label, RadioGroup } from 'react-aria-components';
import { api } from '../api/client.js';
import type { OrgToken, WithSecret } from '../api/types.js';
import { Confirm } from './confirm.js';
import { Choice, Radio } from './fields.js';

interface ActionProps {
  org: string;
  token: OrgToken;
  isOpen: boolean;
  onOpenChange(open: boolean): void;
}

export function RevokeDialog({
  org,
  token,
  onDone,
  ...props
}: ActionProps & { onDone(token: OrgToken): void }) {
  return (
    <Confirm
      {...props}
      title={`Revoke “${token.name}”?`}
      confirmLabel="Revoke token"
      danger
      onConfirm={async () => onDone(await api.revokeToken(org, token.id))}
    >
      <p>
        Every pipeline using this token fails from now on, on every instance. Revoking cannot be
        undone; the token stays in the list as revoked.
      </p>
    </Confirm>
  );
}

const firstUse = 'first-use';

const graceChoices = [
  ['0', 'No grace: the current secret stops working now'],
  ['3600', '1 hour'],
  ['86400', '24 hours'],
  [firstUse, 'Until the new secret is first used'],
] as const;
type Grace = (typeof graceChoices)[number][0];

/** The longest wait for a first use: the API takes up to 7 days in that mode (24 h otherwise). */
const firstUseLimits = [
  ['86400', '1 day'],
  ['259200', '3 days'],
  ['604800', '7 days'],
] as const;
type FirstUseLimit = (typeof firstUseLimits)[number][0];

/** The rotation request for a choice of the dialog. */
function rotation(grace: Grace, limit: FirstUseLimit) {
  if (grace === firstUse) return { graceUntilFirstUse: true, gracePeriodSeconds: Number(limit) };
  return { gracePeriodSeconds: Number(grace) };
}

/**
 * Rotate: how long the current secret keeps working. "Until the new secret is first used" is
 * for a pipeline whose secret is replaced some time after the rotation (a nightly or weekly
 * job): nothing breaks before it runs with the new one, and the old one ends then, or at the
 * limit chosen, whichever comes first.
 */
export function RotateDialog({
  org,
  token,
  onDone,
  ...props
}: ActionProps & { onDone(token: WithSecret<OrgToken>): void }) {
  const [grace, setGrace] = useState<Grace>('0');
  const [limit, setLimit] = useState<FirstUseLimit>('604800');
  return (
    <Confirm
      {...props}
      title={`Rotate “${token.name}”?`}
      confirmLabel="Rotate token"
      onConfirm={async () => onDone(await api.rotateToken(org, token.id, rotation(grace, limit)))}
    >
      <p>
        A new secret replaces the current one; it is shown once. Scope and permissions stay as they
        are; the token's lifetime starts again from now (a token without expiration stays without).
      </p>
      <RadioGroup
        className="radio-group"
        value={grace}
        onChange={(value) => setGrace(value as Grace)}
      >
        <Label>Keep the current secret working for</Label>
        {graceChoices.map(([value, label]) => (
          <Radio key={value} value={value}>
            {label}
          </Radio>
        ))}
      </RadioGroup>
      {grace === firstUse && (
        <div className="grace-first-use">
          <p className="muted grace-help">
            The current secret stops at the first successful use of the new one, or when the wait
            below ends, whichever comes first (and never after the token expires). Pipelines that
            run before you replace the secret keep working.
          </p>
          <Choice
            label="Wait for the first use at most"
            choices={firstUseLimits}
            value={limit}
            onChange={setLimit}
          />
        </div>
      )}
    </Confirm>
  );
}
