/**
 * The inventory: every machine of the org, filtered on the server (state, cloud, region, tag, name,
 * conditions), paged by cursor (50 a page, fast at any size), refreshed every few seconds, with bulk
 * actions on the selected machines.
 */
import { useMemo, useState } from 'preact/hooks';
import { ApiProblem, type Cloud, type Machine, type Page, post, qs, rememberJob } from '../api';
import { Confirm, Field, Notice, Pager, ProblemBox, StateBadge, Table, useGet, usePaged } from '../ui';

const STATES = [
  'running',
  'stopped',
  'pending',
  'starting',
  'stopping',
  'rebooting',
  'terminated',
  'error',
  'unknown',
];
const BULK = ['start', 'stop', 'reboot', 'destroy'] as const;
type Bulk = (typeof BULK)[number];

export interface Filters {
  q: string;
  state: string;
  cloud: string;
  region: string;
  tag: string;
  conditions: string;
}

const EMPTY: Filters = { q: '', state: '', cloud: '', region: '', tag: '', conditions: '' };
/** Kept across visits to a machine's page and back. */
let lastFilters: Filters = EMPTY;

export function MachinesPage() {
  const [draft, setDraft] = useState<Filters>(lastFilters);
  const [filters, setFilters] = useState<Filters>(lastFilters);
  const [selected, setSelected] = useState<Map<string, string>>(new Map());
  const [bulk, setBulk] = useState<Bulk | null>(null);
  const [outcome, setOutcome] = useState<{ text: string; failures: string[] } | null>(null);
  const clouds = useGet<Page<Cloud>>('/v1/clouds?limit=500');
  const key = JSON.stringify(filters);
  const page = usePaged<Machine>(
    (cursor) =>
      `/v1/machines${qs({
        limit: 50,
        cursor,
        q: filters.q.trim(),
        state: filters.state,
        cloud: filters.cloud,
        region: filters.region.trim(),
        tag: filters.tag.trim(),
        conditions: filters.conditions.trim(),
      })}`,
    key,
    3000,
  );
  const cloudName = useMemo(() => {
    const m = new Map<string, string>();
    for (const c of clouds.data?.items ?? []) m.set(c.id, c.name);
    return m;
  }, [clouds.data]);

  function apply(e: Event) {
    e.preventDefault();
    lastFilters = draft;
    setFilters(draft);
  }
  function set<K extends keyof Filters>(k: K, v: string) {
    const next = { ...draft, [k]: v };
    setDraft(next);
    // Choices apply at once; typed text applies on Enter or "Apply filters".
    if (k === 'state' || k === 'cloud') {
      lastFilters = next;
      setFilters(next);
    }
  }
  function toggle(m: Machine, on: boolean) {
    const next = new Map(selected);
    if (on) next.set(m.id, m.name);
    else next.delete(m.id);
    setSelected(next);
  }
  const rows = page.data?.items;
  const allOnPage = Boolean(rows?.length) && rows!.every((m) => selected.has(m.id));
  function toggleAll(on: boolean) {
    const next = new Map(selected);
    for (const m of rows ?? []) on ? next.set(m.id, m.name) : next.delete(m.id);
    setSelected(next);
  }

  async function runBulk(action: Bulk) {
    setBulk(null);
    const targets = [...selected.entries()];
    setOutcome({ text: `${action}: sending to ${targets.length} machines…`, failures: [] });
    const failures: string[] = [];
    let queued = 0;
    const queue = [...targets];
    await Promise.all(
      Array.from({ length: Math.min(4, queue.length) }, async () => {
        for (let t = queue.shift(); t; t = queue.shift()) {
          const [id, name] = t;
          try {
            const r = await post<{ job: { id: string } }>(`/v1/machines/${id}/actions/${action}`);
            rememberJob(r.job.id, `${action} ${name}`);
            queued++;
          } catch (err) {
            const p =
              err instanceof ApiProblem ? `${err.title}${err.detail ? `: ${err.detail}` : ''}` : String(err);
            failures.push(`${name}: ${p}`);
          }
        }
      }),
    );
    setOutcome({ text: `${action}: ${queued} queued, ${failures.length} refused.`, failures });
    setSelected(new Map());
    void page.reload();
  }

  return (
    <>
      <h1>Machines</h1>
      <form class="filters" onSubmit={apply} aria-label="Filters">
        <Field label="Name">
          <input type="search" value={draft.q} onInput={(e) => set('q', e.currentTarget.value)} />
        </Field>
        <Field label="State">
          <select value={draft.state} onChange={(e) => set('state', e.currentTarget.value)}>
            <option value="">Any state</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Cloud">
          <select value={draft.cloud} onChange={(e) => set('cloud', e.currentTarget.value)}>
            <option value="">Any cloud</option>
            {clouds.data?.items.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Region">
          <input value={draft.region} onInput={(e) => set('region', e.currentTarget.value)} />
        </Field>
        <Field label="Tag" hint="key or key=value">
          <input value={draft.tag} onInput={(e) => set('tag', e.currentTarget.value)} />
        </Field>
        <Field label="Condition" hint='JSON, e.g. {"field":"size","op":"eq","value":"small"}'>
          <input value={draft.conditions} onInput={(e) => set('conditions', e.currentTarget.value)} />
        </Field>
        <div class="row">
          <button type="submit">Apply filters</button>
          <button
            type="button"
            onClick={() => {
              lastFilters = EMPTY;
              setDraft(EMPTY);
              setFilters(EMPTY);
            }}
          >
            Clear filters
          </button>
        </div>
      </form>

      <section aria-label="Bulk actions" class="bulk row">
        <span>{selected.size} selected</span>
        {BULK.map((a) => (
          <button
            type="button"
            key={a}
            class={a === 'destroy' ? 'danger' : ''}
            disabled={selected.size === 0}
            onClick={() => (a === 'destroy' ? setBulk(a) : void runBulk(a))}
          >
            {`${a[0]!.toUpperCase()}${a.slice(1)} selected`}
          </button>
        ))}
      </section>
      {outcome ? (
        <div role="status" class="notice">
          {outcome.text}
          {outcome.failures.length ? (
            <ul>
              {outcome.failures.map((f) => (
                <li key={f}>{f}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <ProblemBox error={page.error} />
      <Table<Machine>
        caption="Machines"
        rowKey={(m) => m.id}
        rows={rows}
        columns={[
          {
            title: 'Select',
            cell: (m) => (
              <input
                type="checkbox"
                aria-label={`Select ${m.name}`}
                checked={selected.has(m.id)}
                onChange={(e) => toggle(m, e.currentTarget.checked)}
              />
            ),
          },
          { title: 'Name', cell: (m) => <a href={`#/machines/${m.id}`}>{m.name}</a> },
          { title: 'State', cell: (m) => <StateBadge state={m.state} /> },
          { title: 'Cloud', cell: (m) => cloudName.get(m.cloudId) ?? m.provider },
          { title: 'Region', cell: (m) => m.region },
          { title: 'Size', cell: (m) => m.size ?? '—' },
          { title: 'Public IP', cell: (m) => m.publicIps.join(', ') || '—' },
          {
            title: 'Tags',
            cell: (m) =>
              Object.entries(m.tags)
                .map(([k, v]) => (v ? `${k}=${v}` : k))
                .join(', ') || '—',
          },
        ]}
      />
      <div class="row">
        <label class="inline">
          <input type="checkbox" checked={allOnPage} onChange={(e) => toggleAll(e.currentTarget.checked)} />{' '}
          Select all on this page
        </label>
      </div>
      <Pager label="Machines" pageNumber={page.pageNumber} next={page.next} previous={page.previous} />
      {page.loading && !rows ? <Notice>Loading machines…</Notice> : null}
      <Confirm
        open={bulk === 'destroy'}
        title={`Destroy ${selected.size} machines?`}
        confirmLabel={`Destroy ${selected.size} machines`}
        onCancel={() => setBulk(null)}
        onConfirm={() => void runBulk('destroy')}
      >
        <p>This cannot be undone. It destroys: {[...selected.values()].join(', ')}.</p>
      </Confirm>
    </>
  );
}
