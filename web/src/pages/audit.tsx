/** The org's audit log, filtered on the server (resource, actor, action, result, time range), paged. */
import { useState } from 'preact/hooks';
import { type AuditEvent, qs } from '../api';
import { Field, Pager, ProblemBox, usePaged } from '../ui';
import { AuditTable } from './machine';

const EMPTY = { resourceType: '', resourceId: '', actor: '', action: '', result: '', from: '', to: '' };

export function AuditPage() {
  const [draft, setDraft] = useState(EMPTY);
  const [filters, setFilters] = useState(EMPTY);
  const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);
  const page = usePaged<AuditEvent>(
    (cursor) =>
      `/v1/audit${qs({ ...filters, from: iso(filters.from), to: iso(filters.to), limit: 50, cursor, sort: '-time' })}`,
    JSON.stringify(filters),
  );
  const set = (k: keyof typeof EMPTY) => (e: { currentTarget: { value: string } }) =>
    setDraft({ ...draft, [k]: e.currentTarget.value });
  return (
    <>
      <h1>Audit log</h1>
      <form
        class="filters"
        aria-label="Audit filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
        }}
      >
        <Field label="Resource type">
          <input value={draft.resourceType} onInput={set('resourceType')} placeholder="machine" />
        </Field>
        <Field label="Resource id">
          <input value={draft.resourceId} onInput={set('resourceId')} />
        </Field>
        <Field label="Actor" hint="a token id, or system:<name>">
          <input value={draft.actor} onInput={set('actor')} />
        </Field>
        <Field label="Action">
          <input value={draft.action} onInput={set('action')} placeholder="machine.stop" />
        </Field>
        <Field label="Result">
          <select value={draft.result} onChange={set('result')}>
            <option value="">Any result</option>
            <option value="success">success</option>
            <option value="failure">failure</option>
          </select>
        </Field>
        <Field label="From">
          <input type="datetime-local" value={draft.from} onInput={set('from')} />
        </Field>
        <Field label="To">
          <input type="datetime-local" value={draft.to} onInput={set('to')} />
        </Field>
        <div class="row">
          <button type="submit">Apply filters</button>
        </div>
      </form>
      <ProblemBox error={page.error} />
      <AuditTable rows={page.data?.items} caption="Audit events" />
      <Pager label="Audit" pageNumber={page.pageNumber} next={page.next} previous={page.previous} />
    </>
  );
}
