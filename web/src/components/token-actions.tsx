import { useState } from 'react';
import { Label, RadioGroup } from 'react-aria-components';
import { api } from '../api/client.js';
import type { OrgToken, WithSecret } from '../api/types.js';
import { Confirm } from './confirm.js';
import { Radio } from './fields.js';

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

const graceChoices = [
  ['0', 'No grace: the current secret stops working now'],
  ['3600', '1 hour'],
  ['86400', '24 hours'],
] as const;

export function RotateDialog({
  org,
  token,
  onDone,
  ...props
}: ActionProps & { onDone(token: WithSecret<OrgToken>): void }) {
  const [grace, setGrace] = useState('0');
  return (
    <Confirm
      {...props}
      title={`Rotate “${token.name}”?`}
      confirmLabel="Rotate token"
      onConfirm={async () =>
        onDone(await api.rotateToken(org, token.id, { gracePeriodSeconds: Number(grace) }))
      }
    >
      <p>
        A new secret replaces the current one; it is shown once. Scope and permissions stay as they
        are; the token's lifetime starts again from now (a token without expiration stays without).
      </p>
      <RadioGroup className="radio-group" value={grace} onChange={setGrace}>
        <Label>Keep the current secret working for</Label>
        {graceChoices.map(([seconds, label]) => (
          <Radio key={seconds} value={seconds}>
            {label}
          </Radio>
        ))}
      </RadioGroup>
    </Confirm>
  );
}
