/**
 * Schedules: the list, and a create form whose conditions editor previews the machines it selects
 * (POST /v1/conditions/preview) before saving; a saved schedule offers a dry run.
 */
import { useState } from 'preact/hooks';
import { post } from '../api';
import { Field, JsonBlock, Pager, ProblemBox, StateBadge, Table, usePaged, when } from '../ui';

interface Schedule {
  id: string;
  name: string;
  enabled: boolean;
  active: boolean;
  inactiveReason: string | null;
  action: { type: string; action?: string; scriptId?: string };
  when: { kind: string; every?: { value: number; unit: string }; expression?: string; at?: string };
  nextRunAt?: string | null;
  runCount: number;
}
interface Preview {
  count: number;
  byState: Record<string, number>;
  items: { id: string; name: string; state: string }[];
}

function describeWhen(w: Schedule['when']): string {
  if (w.kind === 'interval') return `every ${w.every?.value} ${w.every?.unit}`;
  if (w.kind === 'cron') return `cron ${w.expression}`;
  return `once at ${when(w.at)}`;
}

/** The conditions editor: a few common fields, or JSON for the whole grammar, with a live preview. */
export function ConditionsEditor(p: { value: string; onChange: (json: string) => void }) {
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<unknown>();
  const [tag, setTag] = useState('');
  const [state, setState] = useState('');
  function fromFields(nextTag: string, nextState: string) {
    const all: unknown[] = [];
    if (nextState) all.push({ field: 'state', op: 'eq', value: nextState });
    if (nextTag) all.push({ tags: { include: [nextTag] } });
    if (all.length) p.onChange(JSON.stringify(all.length === 1 ? all[0] : { all }));
  }
  async function run() {
    setError(undefined);
    try {
      setPreview(
        await post<Preview>('/v1/conditions/preview', { conditions: JSON.parse(p.value), limit: 10 }),
      );
    } catch (err) {
      setPreview(null);
      setError(
        err instanceof SyntaxError ? { title: 'Conditions are not valid JSON', detail: err.message } : err,
      );
    }
  }
  return (
    <fieldset>
      <legend>Conditions</legend>
      <div class="row">
        <Field label="Machines with tag">
          <input
            value={tag}
            onInput={(e) => {
              setTag(e.currentTarget.value);
              fromFields(e.currentTarget.value, state);
            }}
          />
        </Field>
        <Field label="In state">
          <select
            value={state}
            onChange={(e) => {
              setState(e.currentTarget.value);
              fromFields(tag, e.currentTarget.value);
            }}
          >
            <option value="">Any</option>
            <option value="running">running</option>
            <option value="stopped">stopped</option>
          </select>
        </Field>
      </div>
      <Field label="Conditions (JSON)" hint="field / tags / ids / age, combined with all / any / not">
        <textarea rows={4} value={p.value} onInput={(e) => p.onChange(e.currentTarget.value)} />
      </Field>
      <button type="button" onClick={() => void run()}>
        Preview conditions
      </button>
      <ProblemBox error={error} />
      {preview ? (
        <div role="status" class="preview">
          <p>
            {preview.count} machines match:{' '}
            {Object.entries(preview.byState)
              .map(([s, n]) => `${n} ${s}`)
              .join(', ')}
          </p>
          <ul>
            {preview.items.map((m) => (
              <li key={m.id}>
                {m.name} <StateBadge state={m.state} />
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </fieldset>
  );
}

export function SchedulesPage() {
  const page = usePaged<Schedule>((c) => `/v1/schedules?limit=50${c ? `&cursor=${c}` : ''}`, '');
  const [name, setName] = useState('');
  const [action, setAction] = useState('stop');
  const [every, setEvery] = useState('1');
  const [unit, setUnit] = useState('days');
  const [conditions, setConditions] = useState('{"tags":{"include":["env=dev"]}}');
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState('');
  const [dry, setDry] = useState<{ name: string; result: unknown } | null>(null);
  async function create(e: Event) {
    e.preventDefault();
    setError(undefined);
    try {
      const body = {
        name: name.trim(),
        conditions: JSON.parse(conditions),
        action: { type: 'machine.action', action },
        when: { kind: 'interval', every: { value: Number(every), unit } },
      };
      const s = await post<Schedule>('/v1/schedules', body);
      setCreated(`Created the schedule ${s.name}.`);
      setName('');
      void page.reload();
    } catch (err) {
      setError(
        err instanceof SyntaxError ? { title: 'Conditions are not valid JSON', detail: err.message } : err,
      );
    }
  }
  async function dryRun(s: Schedule) {
    setError(undefined);
    try {
      setDry({ name: s.name, result: await post(`/v1/schedules/${s.id}/dry-run`) });
    } catch (err) {
      setError(err);
    }
  }
  return (
    <>
      <h1>Schedules</h1>
      <ProblemBox error={page.error} />
      <Table<Schedule>
        caption="Schedules"
        rows={page.data?.items}
        rowKey={(s) => s.id}
        columns={[
          { title: 'Name', cell: (s) => s.name },
          { title: 'Action', cell: (s) => s.action.action ?? s.action.type },
          { title: 'When', cell: (s) => describeWhen(s.when) },
          { title: 'Active', cell: (s) => (s.active ? 'yes' : `no (${s.inactiveReason ?? 'disabled'})`) },
          { title: 'Runs', cell: (s) => s.runCount },
          {
            title: 'Dry run',
            cell: (s) => (
              <button type="button" onClick={() => void dryRun(s)}>
                Dry run {s.name}
              </button>
            ),
          },
        ]}
      />
      <Pager label="Schedules" pageNumber={page.pageNumber} next={page.next} previous={page.previous} />
      {dry ? (
        <section aria-label="Dry run">
          <h2>Dry run of {dry.name}</h2>
          <JsonBlock label="Dry run result" value={dry.result} />
        </section>
      ) : null}
      <form onSubmit={create} aria-labelledby="new-schedule">
        <h2 id="new-schedule">New schedule</h2>
        <Field label="Schedule name">
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </Field>
        <Field label="Machine action">
          <select value={action} onChange={(e) => setAction(e.currentTarget.value)}>
            {['start', 'stop', 'reboot', 'destroy'].map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </Field>
        <div class="row">
          <Field label="Every">
            <input type="number" min={1} value={every} onInput={(e) => setEvery(e.currentTarget.value)} />
          </Field>
          <Field label="Unit">
            <select value={unit} onChange={(e) => setUnit(e.currentTarget.value)}>
              {['minutes', 'hours', 'days'].map((u) => (
                <option key={u} value={u}>
                  {u}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <ConditionsEditor value={conditions} onChange={setConditions} />
        <button type="submit">Create schedule</button>
        {created ? <p role="status">{created}</p> : null}
        <ProblemBox error={error} />
      </form>
    </>
  );
}
