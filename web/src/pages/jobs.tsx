/** Jobs: the API has no job list, so this shows the jobs this tab started, and any job looked up by id. */
import { useEffect, useState } from 'preact/hooks';
import { get, type Job, recentJobs } from '../api';
import { Field, JsonBlock, ProblemBox, StatusBadge, Table, when } from '../ui';

function progress(j: Job): string {
  const r = j.result as { matched?: number; queued?: number; succeeded?: number; failed?: number } | null;
  if (r && typeof r.matched === 'number')
    return `${r.succeeded ?? 0}/${r.matched} done, ${r.failed ?? 0} failed`;
  return j.status === 'running' ? `attempt ${j.attempts}` : '';
}

export function JobsPage() {
  const [jobs, setJobs] = useState<(Job & { label: string })[] | undefined>();
  const [lookup, setLookup] = useState('');
  const [found, setFound] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let live = true;
    const load = async () => {
      const list = await Promise.all(
        recentJobs.map(async (r) => ({ ...(await get<Job>(`/v1/jobs/${r.id}`)), label: r.label })),
      );
      if (live) setJobs(list);
    };
    load().catch((err) => live && setError(err));
    const timer = setInterval(() => void load().catch(() => {}), 3000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
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
      <ProblemBox error={error} />
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
      <Table<Job & { label: string }>
        caption="Jobs started from this tab"
        rows={jobs}
        rowKey={(j) => j.id}
        columns={[
          { title: 'What', cell: (j) => j.label },
          { title: 'Type', cell: (j) => j.type },
          { title: 'Status', cell: (j) => <StatusBadge status={j.status} /> },
          { title: 'Progress', cell: progress },
          { title: 'Result', cell: (j) => (j.result ? JSON.stringify(j.result).slice(0, 120) : '—') },
          { title: 'Error', cell: (j) => (j.error ? `${j.error.code}: ${j.error.message}` : '—') },
          { title: 'Created', cell: (j) => when(j.createdAt) },
          { title: 'Finished', cell: (j) => when(j.finishedAt) },
        ]}
      />
    </>
  );
}
