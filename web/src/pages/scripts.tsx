/** Scripts: the list, a create form, running one on a machine, and its runs with their output. */
import { useState } from 'preact/hooks';
import { post, qs, rememberJob } from '../api';
import { Field, Pager, ProblemBox, StatusBadge, Table, useGet, usePaged, when } from '../ui';

interface Script {
  id: string;
  name: string;
  description: string | null;
  kind: string;
  source: { type: string; content?: string; url?: string };
}
interface Run {
  id: string;
  machineId: string;
  status: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  createdAt: string;
  error: { code: string; message: string } | null;
}

function Runs({ script }: { script: Script }) {
  const runs = useGet<{ items: Run[] }>(`/v1/scripts/${script.id}/runs${qs({ limit: 20 })}`, 3000);
  const [machineId, setMachineId] = useState('');
  const [error, setError] = useState<unknown>();
  return (
    <section aria-labelledby="runs">
      <h2 id="runs">Runs of {script.name}</h2>
      <form
        class="row"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(undefined);
          try {
            const r = await post<{ job?: { id: string } }>(`/v1/scripts/${script.id}/run`, {
              machineId: machineId.trim(),
            });
            if (r.job) rememberJob(r.job.id, `run ${script.name}`);
            void runs.reload();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <Field label="Machine id">
          <input value={machineId} onInput={(e) => setMachineId(e.currentTarget.value)} required />
        </Field>
        <button type="submit">Run {script.name}</button>
      </form>
      <ProblemBox error={error ?? runs.error} />
      <Table<Run>
        caption={`Runs of ${script.name}`}
        rows={runs.data?.items}
        rowKey={(r) => r.id}
        columns={[
          { title: 'Started', cell: (r) => when(r.createdAt) },
          { title: 'Machine', cell: (r) => <a href={`#/machines/${r.machineId}`}>{r.machineId}</a> },
          { title: 'Status', cell: (r) => <StatusBadge status={r.status} /> },
          { title: 'Exit code', cell: (r) => r.exitCode ?? '—' },
          {
            title: 'Output',
            cell: (r) => (
              <details>
                <summary>Output</summary>
                <pre>{r.stdout}</pre>
                {r.stderr ? <pre class="stderr">{r.stderr}</pre> : null}
                {r.error ? <p>{r.error.message}</p> : null}
              </details>
            ),
          },
        ]}
      />
    </section>
  );
}

export function ScriptsPage() {
  const page = usePaged<Script>((c) => `/v1/scripts${qs({ limit: 50, cursor: c })}`, '');
  const [open, setOpen] = useState<Script | null>(null);
  const [name, setName] = useState('');
  const [content, setContent] = useState('#!/bin/sh\nuptime\n');
  const [error, setError] = useState<unknown>();
  return (
    <>
      <h1>Scripts</h1>
      <ProblemBox error={page.error} />
      <Table<Script>
        caption="Scripts"
        rows={page.data?.items}
        rowKey={(s) => s.id}
        columns={[
          {
            title: 'Name',
            cell: (s) => (
              <button type="button" class="link" onClick={() => setOpen(s)}>
                {s.name}
              </button>
            ),
          },
          { title: 'Kind', cell: (s) => s.kind },
          { title: 'Source', cell: (s) => (s.source.type === 'url' ? s.source.url : 'inline') },
          { title: 'Description', cell: (s) => s.description ?? '—' },
        ]}
      />
      <Pager label="Scripts" pageNumber={page.pageNumber} next={page.next} previous={page.previous} />
      {open ? <Runs script={open} /> : null}
      <form
        aria-labelledby="new-script"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(undefined);
          try {
            await post('/v1/scripts', {
              name: name.trim(),
              kind: 'executable',
              source: { type: 'inline', content },
            });
            setName('');
            void page.reload();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <h2 id="new-script">New script</h2>
        <Field label="Script name">
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </Field>
        <Field label="Script">
          <textarea rows={5} value={content} onInput={(e) => setContent(e.currentTarget.value)} />
        </Field>
        <button type="submit">Create script</button>
        <ProblemBox error={error} />
      </form>
    </>
  );
}
