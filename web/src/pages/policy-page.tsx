import { useEffect, useState } from 'react';
import { Button, Form } from 'react-aria-components';
import { api } from '../api/client.js';
import { ErrorNotice, Loading } from '../components/feedback.js';
import { fieldRefusal } from '../components/field-messages.js';
import { Checkbox, Field } from '../components/fields.js';
import { useOrg } from '../components/org-layout.js';
import { PlanNotice } from '../components/plan-notice.js';
import { useLoad } from '../hooks/use-load.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { useSubmit } from '../hooks/use-submit.js';

/** The token policy: the longest lifetime of a new token, and whether it must expire. */
export function PolicyPage() {
  const { org } = useOrg();
  const policy = useLoad(() => api.tokenPolicy(org.key), [org.key]);
  const [days, setDays] = useState('');
  const [requireExpiry, setRequireExpiry] = useState(false);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (!policy.data) return;
    setDays(policy.data.maxLifetimeDays?.toString() ?? '');
    setRequireExpiry(policy.data.requireExpiry);
  }, [policy.data]);

  usePageTitle(`Token policy · ${org.name}`);
  const {
    submit: save,
    error,
    busy,
  } = useSubmit(async () => {
    setSaved(false);
    await api.putTokenPolicy(org.key, {
      maxLifetimeDays: days.trim() === '' ? null : Number(days),
      requireExpiry,
    });
    setSaved(true);
    policy.reload();
  });

  const enterprise = org.features.tokenPolicy.included;
  const refusal = fieldRefusal(error, ['maxLifetimeDays']);
  return (
    <section>
      <h1>Token policy</h1>
      <p className="lead">
        Rules for the organization tokens of {org.name}: checked when a token is created or rotated.
        Tokens that exist keep their expiry until they are rotated.
      </p>
      <PlanNotice org={org} feature="tokenPolicy" id="policy-plan">
        The policy below is shown as it is, and cannot be changed until then.
      </PlanNotice>
      <ErrorNotice error={policy.error} />
      {policy.loading && !policy.data ? (
        <Loading what="the token policy" />
      ) : (
        <Form className="form" onSubmit={save}>
          <Field
            label="Longest token lifetime, in days"
            description="Empty: no limit."
            type="number"
            inputMode="numeric"
            value={days}
            onChange={setDays}
            isDisabled={!enterprise}
            problem={refusal?.message}
          />
          <Checkbox isSelected={requireExpiry} onChange={setRequireExpiry} isDisabled={!enterprise}>
            Every new token must have an expiration date
          </Checkbox>
          {!refusal && <ErrorNotice error={error} />}
          {saved && (
            <p className="notice" role="status">
              Token policy saved.
            </p>
          )}
          <Button type="submit" className="button button-primary" isDisabled={busy || !enterprise}>
            Save policy
          </Button>
        </Form>
      )}
    </section>
  );
}
