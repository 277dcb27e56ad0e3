/** A fake server as GET /servers answers it (hcloud-go schema.Server; no datacenter since 2026-07-01). */
import type { FakeServer, FakeState, Json } from './state.js';

export function serverJson(state: FakeState, s: FakeServer): Json {
  const type = state.serverTypes.find((t) => t.name === s.serverType);
  const location = state.locations.find((l) => l.name === s.location);
  const image = s.imageId === null ? null : (state.images.get(s.imageId) ?? null);
  const n = s.id % 250;
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    created: s.created,
    public_net: {
      ipv4: { id: s.id + 1, ip: `127.0.0.${n}`, blocked: false, dns_ptr: `static.${n}.example.com` },
      ipv6: { id: s.id + 2, ip: `2001:db8:${n.toString(16)}::/64`, blocked: false, dns_ptr: [] },
      floating_ips: [],
      firewalls: [],
    },
    private_net: s.privateNet.map((p) => ({ ...p, alias_ips: [], mac_address: '86:00:00:00:00:01' })),
    server_type: type,
    included_traffic: 21990232555520,
    outgoing_traffic: 0,
    ingoing_traffic: 0,
    backup_window: null,
    rescue_enabled: false,
    iso: null,
    locked: s.locked,
    location,
    image,
    protection: { delete: false, rebuild: false },
    labels: s.labels,
    volumes: [],
    primary_disk_size: 40,
    placement_group: null,
    load_balancers: [],
  };
}
