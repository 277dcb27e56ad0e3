/** Jobs: the org's jobs newest first (GET /v1/jobs), filtered by status and type, and any job by id. */
import { useState } from 'preact/hooks';
import { get, type Job, qs } from '../api';
import { Field, JsonBlock, Pager, ProblemBox, StatusBadge, Table, usePaged, when } from '../ui';

function progress(j: Job): string {
  const r = j.result as { matched?: number; queued?: number; succeeded?: number; failed?: number } | null;
  if (r && typeof r.matched === 'number')
    return `${r.succeeded ?? 0}/${r.matched} done, ${r.failed ?? 0} failed`;
  return j.status === 'running' ? `attempt ${j.attempts}` : '';
}

const STATUSES = ['queued', 'running', 'succeeded', 'failed'];
const TYPES = [
  'cloud.poll',
  'machine.action',
  'machine.create',
  'machine.snapshot',
  'machine.probe',
  'key.associate',
  'key.disassociate',
  'script.run',
  'dns.sync',
  'webhook.deliver',
  'events.publish',
  'rule.evaluate',
];

export function JobsPage() {
  const [status, setStatus] = useState('');
  const [type, setType] = useState('');
  const [lookup, setLookup] = useState('');
  const [found, setFound] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>();
  const page = usePaged<Job>(
    (cursor) => `/v1/jobs${qs({ limit: 50, cursor, status, type })}`,
    `${status}|${type}`,
    3000,
  );
  return (
    <>
      <h1>Jobs</h1>
      <form
        class="row"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(undefined);
          try {
            setFound(await get<Job>(`/v1/jobs/${encodeURIComponent(lookup.trim())}`));
          } catch (err) {
            setFound(null);
            setError(err);
          }
        }}
      >
        <Field label="Job id">
          <input value={lookup} onInput={(e) => setLookup(e.currentTarget.value)} required />
        </Field>
        <button type="submit">Look up job</button>
      </form>
      <div class="row">
        <Field label="Status">
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">Any status</option>
            {STATUSES.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Type">
          <select value={type} onChange={(e) => setType(e.currentTarget.value)}>
            <option value="">Any type but event deliveries</option>
            {TYPES.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <ProblemBox error={error ?? page.error} />
      {found ? (
        <section aria-label="Job">
          <h2>
            Job {found.type} <StatusBadge status={found.status} />
          </h2>
          <p>{progress(found)}</p>
          {found.error ? (
            <p role="alert">
              <strong>{found.error.code}</strong> {found.error.message}
            </p>
          ) : null}
          <JsonBlock label="Job result" value={found.result} />
        </section>
      ) : null}
      <Table<Job>
        caption="Jobs"
        rows={page.data?.items}
        rowKey={(j) => j.id}
        columns={[
          { title: 'Resource', cell: (j) => `${j.resource.type} ${j.resource.id}` },
          { title: 'Type', cell: (j) => j.type },
          { title: 'Status', cell: (j) => <StatusBadge status={j.status} /> },
          { title: 'Progress', cell: progress },
          { title: 'Result', cell: (j) => (j.result ? JSON.stringify(j.result).slice(0, 120) : '—') },
          { title: 'Error', cell: (j) => (j.error ? `${j.error.code}: ${j.error.message}` : '—') },
          { title: 'Created', cell: (j) => when(j.createdAt) },
          { title: 'Finished', cell: (j) => when(j.finishedAt) },
        ]}
      />
      <Pager label="Jobs" pageNumber={page.pageNumber} next={page.next} previous={page.previous} />
    </>
  );
}
