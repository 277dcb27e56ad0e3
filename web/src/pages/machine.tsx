/**
 * One machine: its facts and tags, its actions (each button named by its action; Destroy asks, naming the
 * machine), snapshots, probe history as a chart, the DNS records pointing at it, and its audit trail.
 */
import { useEffect, useState } from 'preact/hooks';
import {
  type AuditEvent,
  type Cloud,
  followJob,
  get,
  type Job,
  type Machine,
  type Page,
  post,
  qs,
  rememberJob,
} from '../api';
import { Confirm, Field, ProblemBox, StateBadge, StatusBadge, Table, useGet, when } from '../ui';

interface Probe {
  id: string;
  at: string;
  kind: 'tcp' | 'ssh';
  result: {
    lossPercent?: number;
    rttMs?: { avg: number } | null;
    reachable?: boolean;
    ok?: boolean;
    durationMs?: number;
  };
}
interface Snapshot {
  id: string;
  name: string;
  createdAt: string;
  state: string;
}
interface DnsRecord {
  id: string;
  zoneId: string;
  name: string;
  type: string;
  ttl: number | null;
  values: string[];
}

const SIMPLE = ['start', 'stop', 'reboot'] as const;

export function MachinePage({ id }: { id: string }) {
  const machine = useGet<Machine>(`/v1/machines/${id}`, 3000);
  const m = machine.data;
  const [job, setJob] = useState<Job | null>(null);
  const [actionError, setActionError] = useState<unknown>();
  const [confirmDestroy, setConfirmDestroy] = useState(false);
  const [newName, setNewName] = useState('');
  const [newSize, setNewSize] = useState('');
  const sizes = useGet<{ items: { id: string; name: string }[] }>(m ? `/v1/clouds/${m.cloudId}/sizes` : null);
  const cloud = useGet<Cloud>(m ? `/v1/clouds/${m.cloudId}` : null);
  const [auditKey, setAuditKey] = useState(0);

  async function act(action: string, body?: Record<string, unknown>) {
    setActionError(undefined);
    try {
      const r = await post<{ job: Job }>(`/v1/machines/${id}/actions/${action}`, body);
      rememberJob(r.job.id, `${action} ${m?.name ?? id}`);
      setJob(r.job);
      const done = await followJob(r.job.id, setJob);
      if (done.status === 'failed') {
        setActionError({ title: `${action} failed`, detail: done.error?.message ?? '' } as never);
      } else if (m && action !== 'destroy') {
        // The provider has taken the action: poll its cloud now so the inventory shows where it landed.
        const poll = await post<{ job: Job }>(`/v1/clouds/${m.cloudId}/poll`).catch(() => null);
        if (poll) await followJob(poll.job.id, undefined, 30_000).catch(() => null);
      }
      void machine.reload();
      setAuditKey((k) => k + 1);
    } catch (err) {
      setActionError(err);
    }
  }

  if (machine.error && !m)
    return (
      <>
        <h1>Machine</h1>
        <ProblemBox error={machine.error} />
        <a href="#/machines">Back to machines</a>
      </>
    );
  if (!m) return <p role="status">Loading machine…</p>;
  return (
    <>
      <p>
        <a href="#/machines">← Machines</a>
      </p>
      <h1>
        {m.name} <StateBadge state={m.state} />
      </h1>
      <section aria-labelledby="facts">
        <h2 id="facts">Facts</h2>
        <dl class="facts">
          <dt>State</dt>
          <dd data-testid="machine-state">{m.state}</dd>
          <dt>Cloud</dt>
          <dd>{cloud.data ? cloud.data.name : m.provider}</dd>
          <dt>Region</dt>
          <dd>{m.region}</dd>
          <dt>Location</dt>
          <dd>{m.location ?? '—'}</dd>
          <dt>Size</dt>
          <dd>{m.size ?? '—'}</dd>
          <dt>Image</dt>
          <dd>{m.image ?? '—'}</dd>
          <dt>Public IPs</dt>
          <dd>{m.publicIps.join(', ') || '—'}</dd>
          <dt>Private IPs</dt>
          <dd>{m.privateIps.join(', ') || '—'}</dd>
          <dt>Network</dt>
          <dd>{m.network ? `${m.network.name}${m.subnet ? ` / ${m.subnet.name}` : ''}` : '—'}</dd>
          <dt>Hourly cost</dt>
          <dd>{m.hourlyCost ?? '—'}</dd>
          <dt>Provider id</dt>
          <dd>{m.externalId}</dd>
          <dt>First seen</dt>
          <dd>{when(m.firstSeenAt)}</dd>
          <dt>Last seen</dt>
          <dd>{when(m.lastSeenAt)}</dd>
          {m.missingSince ? (
            <>
              <dt>Missing since</dt>
              <dd>{when(m.missingSince)}</dd>
            </>
          ) : null}
          {m.unreachableSince ? (
            <>
              <dt>Unreachable since</dt>
              <dd>{when(m.unreachableSince)}</dd>
            </>
          ) : null}
        </dl>
      </section>
      <section aria-labelledby="tags">
        <h2 id="tags">Tags</h2>
        {Object.keys(m.tags).length ? (
          <ul class="tags">
            {Object.entries(m.tags).map(([k, v]) => (
              <li key={k}>{v ? `${k}=${v}` : k}</li>
            ))}
          </ul>
        ) : (
          <p>No tags.</p>
        )}
      </section>
      <section aria-labelledby="actions">
        <h2 id="actions">Actions</h2>
        <div class="row">
          {SIMPLE.map((a) => (
            <button type="button" key={a} disabled={!m.actions[a]} onClick={() => void act(a)}>
              {a[0]!.toUpperCase() + a.slice(1)}
            </button>
          ))}
          <button
            type="button"
            class="danger"
            disabled={!m.actions.destroy}
            onClick={() => setConfirmDestroy(true)}
          >
            Destroy
          </button>
        </div>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (newSize) void act('resize', { size: newSize });
          }}
        >
          <Field label="New size">
            <select value={newSize} onChange={(e) => setNewSize(e.currentTarget.value)}>
              <option value="">Choose a size</option>
              {sizes.data?.items.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit" disabled={!m.actions.resize || !newSize}>
            Resize
          </button>
        </form>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (newName.trim()) void act('rename', { name: newName.trim() });
          }}
        >
          <Field label="New name">
            <input value={newName} onInput={(e) => setNewName(e.currentTarget.value)} />
          </Field>
          <button type="submit" disabled={!m.actions.rename || !newName.trim()}>
            Rename
          </button>
        </form>
        {job ? (
          <p role="status">
            Job {job.type} ({job.input.action as string}): <StatusBadge status={job.status} />
            {job.error ? ` — ${job.error.message}` : ''}
          </p>
        ) : null}
        <ProblemBox error={actionError} />
      </section>
      <Snapshots id={id} />
      <ProbeHistory id={id} />
      <DnsPointing machine={m} />
      <AuditTrail id={id} refresh={auditKey} />
      <Confirm
        open={confirmDestroy}
        title={`Destroy ${m.name}?`}
        confirmLabel={`Destroy ${m.name}`}
        onCancel={() => setConfirmDestroy(false)}
        onConfirm={() => {
          setConfirmDestroy(false);
          void act('destroy');
        }}
      >
        <p>
          The machine {m.name} ({m.externalId}) is destroyed at its provider. This cannot be undone.
        </p>
      </Confirm>
    </>
  );
}

function Snapshots({ id }: { id: string }) {
  const list = useGet<{ items: Snapshot[] }>(`/v1/machines/${id}/snapshots`);
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>();
  const [status, setStatus] = useState('');
  async function create(e: Event) {
    e.preventDefault();
    setError(undefined);
    try {
      const r = await post<{ job: Job }>(`/v1/machines/${id}/snapshots`, { name: name.trim() });
      rememberJob(r.job.id, `snapshot ${name}`);
      setStatus('Snapshot requested…');
      const done = await followJob(r.job.id);
      setStatus(
        done.status === 'succeeded'
          ? 'Snapshot created.'
          : `Snapshot ${done.status}: ${done.error?.message ?? ''}`,
      );
      setName('');
      void list.reload();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section aria-labelledby="snapshots">
      <h2 id="snapshots">Snapshots</h2>
      <ProblemBox error={list.error} />
      {list.error ? null : (
        <Table<Snapshot>
          caption="Snapshots"
          rows={list.data?.items}
          rowKey={(s) => s.id}
          columns={[
            { title: 'Name', cell: (s) => s.name },
            { title: 'Id', cell: (s) => s.id },
            { title: 'State', cell: (s) => s.state },
            { title: 'Created', cell: (s) => when(s.createdAt) },
          ]}
        />
      )}
      <form class="row" onSubmit={create}>
        <Field label="Snapshot name">
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </Field>
        <button type="submit">Create snapshot</button>
      </form>
      {status ? <p role="status">{status}</p> : null}
      <ProblemBox error={error} />
    </section>
  );
}

/** RTT and loss over time: an SVG chart (two lines, its own scale each) and the same figures as a table. */
export function ProbeChart({ probes }: { probes: Probe[] }) {
  const tcp = probes.filter((p) => p.kind === 'tcp').sort((a, b) => a.at.localeCompare(b.at));
  if (tcp.length === 0) return <p>No probes yet.</p>;
  const W = 600;
  const H = 160;
  const t0 = new Date(tcp[0]!.at).getTime();
  const t1 = new Date(tcp[tcp.length - 1]!.at).getTime();
  const x = (at: string) => (t1 === t0 ? W / 2 : ((new Date(at).getTime() - t0) / (t1 - t0)) * (W - 40) + 20);
  const maxRtt = Math.max(1, ...tcp.map((p) => p.result.rttMs?.avg ?? 0));
  const yRtt = (v: number) => H - 20 - (v / maxRtt) * (H - 40);
  const yLoss = (v: number) => H - 20 - (v / 100) * (H - 40);
  const rttPts = tcp
    .filter((p) => p.result.rttMs)
    .map((p) => `${x(p.at).toFixed(1)},${yRtt(p.result.rttMs!.avg).toFixed(1)}`)
    .join(' ');
  const lossPts = tcp
    .map((p) => `${x(p.at).toFixed(1)},${yLoss(p.result.lossPercent ?? 0).toFixed(1)}`)
    .join(' ');
  const last = tcp[tcp.length - 1]!;
  const summary = `Probe history: ${tcp.length} probes; round-trip time up to ${maxRtt.toFixed(1)} ms; latest loss ${last.result.lossPercent ?? 0}%`;
  return (
    <figure>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} class="chart">
        <line x1="20" y1={H - 20} x2={W - 20} y2={H - 20} class="axis" />
        <polyline points={rttPts} class="rtt" fill="none" />
        <polyline points={lossPts} class="loss" fill="none" />
        <text x="22" y="14" class="label">
          RTT max {maxRtt.toFixed(1)} ms
        </text>
        <text x={W - 22} y="14" class="label" text-anchor="end">
          loss 0–100%
        </text>
      </svg>
      <figcaption>
        <span class="key rtt">RTT (ms, average)</span> <span class="key loss">Loss (%)</span>
      </figcaption>
    </figure>
  );
}

function ProbeHistory({ id }: { id: string }) {
  const list = useGet<Page<Probe>>(`/v1/machines/${id}/probes?limit=100&kind=tcp`);
  const [error, setError] = useState<unknown>();
  async function probe() {
    setError(undefined);
    try {
      const r = await post<{ job: Job }>(`/v1/machines/${id}/probe`);
      await followJob(r.job.id);
      void list.reload();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section aria-labelledby="probes">
      <h2 id="probes">Probe history</h2>
      <ProblemBox error={list.error ?? error} />
      {list.data ? <ProbeChart probes={list.data.items} /> : <p role="status">Loading probes…</p>}
      <button type="button" onClick={() => void probe()}>
        Probe now
      </button>
      {list.data?.items.length ? (
        <details>
          <summary>Probe figures</summary>
          <Table<Probe>
            caption="Probes"
            rows={list.data.items.slice(0, 20)}
            rowKey={(p) => p.id}
            columns={[
              { title: 'Time', cell: (p) => when(p.at) },
              { title: 'RTT (ms)', cell: (p) => p.result.rttMs?.avg.toFixed(1) ?? '—' },
              { title: 'Loss (%)', cell: (p) => p.result.lossPercent ?? '—' },
            ]}
          />
        </details>
      ) : null}
    </section>
  );
}

/** Records of the org's zones whose values name one of the machine's addresses (first 20 zones). */
function DnsPointing({ machine }: { machine: Machine }) {
  const [records, setRecords] = useState<DnsRecord[] | undefined>();
  const [error, setError] = useState<unknown>();
  const addresses = [...machine.publicIps, ...machine.privateIps].join(',');
  useEffect(() => {
    let live = true;
    (async () => {
      const ips = new Set(addresses.split(',').filter(Boolean));
      const found: DnsRecord[] = [];
      if (ips.size) {
        const clouds = await get<Page<Cloud>>('/v1/clouds?limit=100');
        const zones = (
          await Promise.all(
            clouds.items.map((c) =>
              get<Page<{ id: string }>>(`/v1/clouds/${c.id}/zones?limit=20`).catch(() => ({ items: [] })),
            ),
          )
        )
          .flatMap((p) => p.items)
          .slice(0, 20);
        for (const z of zones) {
          const recs = await get<Page<DnsRecord>>(`/v1/zones/${z.id}/records${qs({ limit: 500 })}`).catch(
            () => ({
              items: [] as DnsRecord[],
            }),
          );
          found.push(...recs.items.filter((r) => r.values.some((v) => ips.has(v))));
        }
      }
      if (live) setRecords(found);
    })().catch((err) => live && setError(err));
    return () => {
      live = false;
    };
  }, [addresses]);
  return (
    <section aria-labelledby="dns">
      <h2 id="dns">DNS records pointing at it</h2>
      <ProblemBox error={error} />
      <Table<DnsRecord>
        caption="DNS records"
        rows={records}
        rowKey={(r) => r.id}
        columns={[
          { title: 'Name', cell: (r) => r.name },
          { title: 'Type', cell: (r) => r.type },
          { title: 'TTL', cell: (r) => r.ttl ?? '—' },
          { title: 'Values', cell: (r) => r.values.join(', ') },
        ]}
      />
    </section>
  );
}

export function AuditTable({ rows, caption }: { rows: AuditEvent[] | undefined; caption: string }) {
  return (
    <Table<AuditEvent>
      caption={caption}
      rows={rows}
      rowKey={(e) => e.id}
      columns={[
        { title: 'Time', cell: (e) => when(e.time) },
        { title: 'Action', cell: (e) => e.action },
        { title: 'Resource', cell: (e) => `${e.resource.type} ${e.resource.name ?? e.resource.id}` },
        { title: 'Actor', cell: (e) => e.actor.name },
        {
          title: 'Result',
          cell: (e) => (
            <>
              <StatusBadge status={e.result} />
              {e.error ? ` ${e.error.message}` : ''}
            </>
          ),
        },
      ]}
    />
  );
}

function AuditTrail({ id, refresh }: { id: string; refresh: number }) {
  const audit = useGet<Page<AuditEvent>>(`/v1/audit?resourceId=${encodeURIComponent(id)}&limit=50`, 5000);
  const { reload } = audit;
  useEffect(() => {
    if (refresh) void reload();
  }, [refresh, reload]);
  return (
    <section aria-labelledby="audit-trail">
      <h2 id="audit-trail">Audit trail</h2>
      <ProblemBox error={audit.error} />
      <AuditTable rows={audit.data?.items} caption={`Audit trail of this machine`} />
    </section>
  );
}
