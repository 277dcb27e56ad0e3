/** DNS zones and their records, networks and their subnets: per cloud, chosen from the org's clouds. */
import { useState } from 'preact/hooks';
import { type Cloud, type Page, qs } from '../api';
import { Field, Pager, ProblemBox, Table, useGet, usePaged } from '../ui';

function CloudPicker(p: { value: string; onChange: (id: string) => void }) {
  const clouds = useGet<Page<Cloud>>('/v1/clouds?limit=500');
  const items = clouds.data?.items ?? [];
  const value = p.value || items[0]?.id || '';
  if (!p.value && value) queueMicrotask(() => p.onChange(value));
  return (
    <Field label="Cloud">
      <select value={value} onChange={(e) => p.onChange(e.currentTarget.value)}>
        {items.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name} ({c.providerLabel})
          </option>
        ))}
      </select>
    </Field>
  );
}

interface Zone {
  id: string;
  name: string;
  private: boolean;
  recordCount: number | null;
}
interface DnsRecord {
  id: string;
  name: string;
  type: string;
  ttl: number | null;
  values: string[];
}

export function DnsPage() {
  const [cloud, setCloud] = useState('');
  const [zone, setZone] = useState<Zone | null>(null);
  const zones = usePaged<Zone>(
    (c) => (cloud ? `/v1/clouds/${cloud}/zones${qs({ limit: 50, cursor: c })}` : ''),
    cloud,
  );
  const records = usePaged<DnsRecord>(
    (c) => (zone ? `/v1/zones/${zone.id}/records${qs({ limit: 50, cursor: c })}` : ''),
    zone?.id ?? '',
  );
  return (
    <>
      <h1>DNS</h1>
      <CloudPicker
        value={cloud}
        onChange={(id) => {
          setCloud(id);
          setZone(null);
        }}
      />
      <ProblemBox error={zones.error} />
      <Table<Zone>
        caption="Zones"
        rows={cloud ? zones.data?.items : []}
        rowKey={(z) => z.id}
        columns={[
          {
            title: 'Zone',
            cell: (z) => (
              <button type="button" class="link" onClick={() => setZone(z)}>
                {z.name}
              </button>
            ),
          },
          { title: 'Private', cell: (z) => (z.private ? 'yes' : 'no') },
          { title: 'Records', cell: (z) => z.recordCount ?? '—' },
        ]}
      />
      <Pager label="Zones" pageNumber={zones.pageNumber} next={zones.next} previous={zones.previous} />
      {zone ? (
        <section aria-labelledby="records">
          <h2 id="records">Records of {zone.name}</h2>
          <ProblemBox error={records.error} />
          <Table<DnsRecord>
            caption={`Records of ${zone.name}`}
            rows={records.data?.items}
            rowKey={(r) => r.id}
            columns={[
              { title: 'Name', cell: (r) => r.name },
              { title: 'Type', cell: (r) => r.type },
              { title: 'TTL', cell: (r) => r.ttl ?? '—' },
              { title: 'Values', cell: (r) => r.values.join(', ') },
            ]}
          />
          <Pager
            label="Records"
            pageNumber={records.pageNumber}
            next={records.next}
            previous={records.previous}
          />
        </section>
      ) : null}
    </>
  );
}

interface Network {
  id: string;
  name: string;
  cidr: string | null;
  region: string | null;
}
interface Subnet {
  id: string;
  name: string;
  cidr: string | null;
  availabilityZone?: string | null;
}

export function NetworksPage() {
  const [cloud, setCloud] = useState('');
  const [net, setNet] = useState<Network | null>(null);
  const nets = usePaged<Network>(
    (c) => (cloud ? `/v1/clouds/${cloud}/networks${qs({ limit: 50, cursor: c })}` : ''),
    cloud,
  );
  const subnets = usePaged<Subnet>(
    (c) => (net ? `/v1/networks/${net.id}/subnets${qs({ limit: 50, cursor: c })}` : ''),
    net?.id ?? '',
  );
  return (
    <>
      <h1>Networks</h1>
      <CloudPicker
        value={cloud}
        onChange={(id) => {
          setCloud(id);
          setNet(null);
        }}
      />
      <ProblemBox error={nets.error} />
      <Table<Network>
        caption="Networks"
        rows={cloud ? nets.data?.items : []}
        rowKey={(n) => n.id}
        columns={[
          {
            title: 'Network',
            cell: (n) => (
              <button type="button" class="link" onClick={() => setNet(n)}>
                {n.name}
              </button>
            ),
          },
          { title: 'CIDR', cell: (n) => n.cidr ?? '—' },
          { title: 'Region', cell: (n) => n.region ?? '—' },
        ]}
      />
      <Pager label="Networks" pageNumber={nets.pageNumber} next={nets.next} previous={nets.previous} />
      {net ? (
        <section aria-labelledby="subnets">
          <h2 id="subnets">Subnets of {net.name}</h2>
          <ProblemBox error={subnets.error} />
          <Table<Subnet>
            caption={`Subnets of ${net.name}`}
            rows={subnets.data?.items}
            rowKey={(s) => s.id}
            columns={[
              { title: 'Subnet', cell: (s) => s.name },
              { title: 'CIDR', cell: (s) => s.cidr ?? '—' },
              { title: 'Zone', cell: (s) => s.availabilityZone ?? '—' },
            ]}
          />
        </section>
      ) : null}
    </>
  );
}
