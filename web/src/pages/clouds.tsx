/**
 * Clouds: the list, and adding one with its provider's own credential form. POST /v1/clouds checks the
 * credentials against the provider before it saves anything: that answer is the connection check.
 */
import { useState } from 'preact/hooks';
import { type Cloud, post, qs } from '../api';
import { Field, Pager, ProblemBox, Table, usePaged } from '../ui';

type FieldSpec = { key: string; label: string; secret?: boolean; multiline?: boolean; hint?: string };

/** Each provider's credential fields, as its schema in the OpenAPI document has them. */
const PROVIDERS: Record<string, { label: string; regions?: string; fields: FieldSpec[] }> = {
  sim: {
    label: 'Simulator (not a real cloud)',
    fields: [{ key: 'machines', label: 'Simulated machines', hint: '1–10000' }],
  },
  aws: {
    label: 'Amazon Web Services',
    regions: 'us-east-1',
    fields: [
      { key: 'roleArn', label: 'Role ARN', hint: 'assumed with the external id (recommended)' },
      { key: 'externalId', label: 'External id' },
    ],
  },
  gcp: {
    label: 'Google Cloud',
    regions: 'europe-west1',
    fields: [{ key: 'keyFile', label: 'Service-account key (JSON)', multiline: true, secret: true }],
  },
  azure: {
    label: 'Microsoft Azure',
    regions: 'westeurope',
    fields: [
      { key: 'tenantId', label: 'Tenant id' },
      { key: 'clientId', label: 'Client id' },
      { key: 'clientSecret', label: 'Client secret', secret: true },
      { key: 'subscriptionId', label: 'Subscription id' },
    ],
  },
  digitalocean: {
    label: 'DigitalOcean',
    regions: 'fra1',
    fields: [{ key: 'token', label: 'API token', secret: true }],
  },
  hetzner: {
    label: 'Hetzner Cloud',
    regions: 'fsn1',
    fields: [{ key: 'token', label: 'API token', secret: true }],
  },
  ssh: { label: 'Your own hosts (SSH)', fields: [] },
};

function body(provider: string, name: string, regions: string, v: Record<string, string>): unknown {
  const list = regions
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  switch (provider) {
    case 'sim':
      return { provider, name, settings: v.machines ? { machines: Number(v.machines) } : {} };
    case 'aws':
      return {
        provider,
        name,
        regions: list,
        credentials: { type: 'assumeRole', roleArn: v.roleArn, externalId: v.externalId },
      };
    case 'gcp':
      return { provider, name, regions: list, credentials: JSON.parse(v.keyFile || '{}') };
    case 'azure':
      return {
        provider,
        name,
        regions: list,
        credentials: {
          tenantId: v.tenantId,
          clientId: v.clientId,
          clientSecret: v.clientSecret,
          subscriptionId: v.subscriptionId,
        },
      };
    case 'ssh':
      return { provider, name };
    default:
      return { provider, name, regions: list, credentials: { token: v.token } };
  }
}

export function CloudsPage() {
  const page = usePaged<Cloud>((c) => `/v1/clouds${qs({ limit: 50, cursor: c })}`, '');
  const [provider, setProvider] = useState('sim');
  const [name, setName] = useState('');
  const [regions, setRegions] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  const [status, setStatus] = useState('');
  const spec = PROVIDERS[provider]!;
  async function add(e: Event) {
    e.preventDefault();
    setError(undefined);
    setStatus('Checking the connection…');
    try {
      const r = await post<{ cloud: Cloud }>(
        '/v1/clouds',
        body(provider, name.trim(), regions || spec.regions || '', values),
      );
      setStatus(`Connected: added ${r.cloud.name}.`);
      setValues({});
      setName('');
      void page.reload();
    } catch (err) {
      setStatus('');
      setError(
        err instanceof SyntaxError ? { title: 'The key file is not valid JSON', detail: err.message } : err,
      );
    }
  }
  return (
    <>
      <h1>Clouds</h1>
      <ProblemBox error={page.error} />
      <Table<Cloud>
        caption="Clouds"
        rows={page.data?.items}
        rowKey={(c) => c.id}
        columns={[
          { title: 'Name', cell: (c) => c.name },
          { title: 'Provider', cell: (c) => c.providerLabel },
          { title: 'Enabled', cell: (c) => (c.enabled ? 'yes' : 'no') },
          { title: 'Regions', cell: (c) => c.regions?.join(', ') ?? '—' },
        ]}
      />
      <Pager label="Clouds" pageNumber={page.pageNumber} next={page.next} previous={page.previous} />
      <form onSubmit={add} aria-labelledby="add-cloud" autoComplete="off">
        <h2 id="add-cloud">Add a cloud</h2>
        <Field label="Provider">
          <select
            value={provider}
            onChange={(e) => {
              setProvider(e.currentTarget.value);
              setValues({});
            }}
          >
            {Object.entries(PROVIDERS).map(([id, p]) => (
              <option key={id} value={id}>
                {p.label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Cloud name">
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </Field>
        {spec.regions ? (
          <Field label="Regions" hint={`comma-separated, e.g. ${spec.regions}`}>
            <input
              value={regions}
              onInput={(e) => setRegions(e.currentTarget.value)}
              placeholder={spec.regions}
            />
          </Field>
        ) : null}
        {spec.fields.map((f) => (
          <Field key={f.key} label={f.label} hint={f.hint}>
            {f.multiline ? (
              <textarea
                rows={5}
                value={values[f.key] ?? ''}
                onInput={(e) => setValues({ ...values, [f.key]: e.currentTarget.value })}
              />
            ) : f.secret ? (
              <input
                type="password"
                value={values[f.key] ?? ''}
                onInput={(e) => setValues({ ...values, [f.key]: e.currentTarget.value })}
              />
            ) : (
              <input
                value={values[f.key] ?? ''}
                onInput={(e) => setValues({ ...values, [f.key]: e.currentTarget.value })}
              />
            )}
          </Field>
        ))}
        <button type="submit">Check and add cloud</button>
        {status ? <p role="status">{status}</p> : null}
        <ProblemBox error={error} />
      </form>
    </>
  );
}
