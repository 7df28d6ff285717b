import { useState } from 'react';
import { Button, FieldError, Form, Label, Text, TextArea, TextField } from 'react-aria-components';
import { api } from '../api/client.js';
import type { CheckResult } from '../api/types.js';
import { useSubmit } from '../hooks/use-submit.js';
import { ErrorNotice } from './feedback.js';
import { TableWrap } from './table-wrap.js';

const failureText: Record<string, string> = {
  missing: 'the token has no such claim',
  'not a string': 'the claim is not text, a number or true/false',
  mismatch: 'the claim has another value',
};

/** The verdict, in the live region, so that a screen reader hears it. */
function Verdict({ result }: { result: CheckResult }) {
  return (
    <p className={result.accepted ? 'notice notice-success' : 'notice notice-error'}>
      <strong>
        {result.accepted
          ? 'Accepted: this token meets the policy.'
          : 'Refused: this token does not meet the policy.'}
      </strong>
    </p>
  );
}

/** What a check found: the verification, and each condition. */
function CheckOutcome({ result }: { result: CheckResult }) {
  return (
    <div className="check-outcome">
      <dl className="details">
        <dt>Signature, issuer, audience, times</dt>
        <dd>
          {result.verification.ok ? (
            <span className="check-pass">Valid</span>
          ) : (
            <>
              <span className="check-fail">Not valid:</span> {result.verification.reason}
              <div className="muted">
                The conditions below were read from the token without trusting it.
              </div>
            </>
          )}
        </dd>
      </dl>
      <TableWrap label="Conditions">
        <table className="table">
          <caption className="visually-hidden">Conditions of the policy against the token</caption>
          <thead>
            <tr>
              <th scope="col">Claim</th>
              <th scope="col">Must be</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {result.conditions.map((condition) => (
              <tr key={condition.claim}>
                <th scope="row">
                  <code>{condition.claim}</code>
                </th>
                <td data-label="Must be">
                  <code>{condition.expected}</code>
                </td>
                <td data-label="Result">
                  {condition.ok ? (
                    <span className="check-pass">Passes</span>
                  ) : (
                    <>
                      <span className="check-fail">Fails:</span>{' '}
                      {failureText[condition.reason ?? 'mismatch'] ?? condition.reason}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </div>
  );
}

/**
 * "Check a token": a CI's JWT, pasted, tried against the policy as an exchange would try it
 * (docs/api.md "Secretless CI"), minting nothing and using up nothing. The JWT is a
 * credential for as long as it lives: it goes to the server in that one request only and
 * leaves the field once the answer is in; the page never keeps, logs or puts it in the
 * address, and the answer names only the policy's patterns, never the token's values.
 */
export function TrustPolicyCheck({ org, policyId }: { org: string; policyId: string }) {
  const [jwt, setJwt] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const [result, setResult] = useState<CheckResult | null>(null);
  const { submit, error, busy } = useSubmit(async () => {
    const token = jwt.trim();
    if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) {
      setProblem('Paste a JWT: three base64url parts separated by dots.');
      return;
    }
    setResult(null);
    setResult(await api.checkTrustPolicy(org, policyId, token));
    setJwt('');
  });
  return (
    <section aria-labelledby="check-title">
      <h2 id="check-title">Check a token</h2>
      <p className="muted">
        Paste an identity token from a run to see whether the policy accepts it, and which
        conditions pass. Nothing is minted, and checking does not use the token up. A token
        requested for another audience (which no policy trusts, so nobody can exchange it) or an
        expired one still shows which conditions its claims meet.
      </p>
      <Form className="form" onSubmit={submit} validationBehavior="aria">
        <TextField
          className="field"
          value={jwt}
          onChange={(value) => {
            setJwt(value);
            setProblem(undefined);
          }}
          isInvalid={problem !== undefined}
        >
          <Label>CI identity token (JWT)</Label>
          <TextArea
            rows={4}
            className="jwt-input"
            spellCheck={false}
            autoComplete="off"
            autoCorrect="off"
            autoCapitalize="off"
            placeholder="eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9…"
          />
          <Text slot="description">
            Sent to this server for this check only; it is not stored or logged, and the field is
            emptied once the answer is in.
          </Text>
          <FieldError className="field-error">{problem}</FieldError>
        </TextField>
        <ErrorNotice error={error} />
        <div className="actions">
          <Button type="submit" className="button" isDisabled={busy}>
            Check token
          </Button>
        </div>
      </Form>
      <div role="status" className="status-region">
        {result && <Verdict result={result} />}
      </div>
      {result && <CheckOutcome result={result} />}
    </section>
  );
}
