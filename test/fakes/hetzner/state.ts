/** What the fake holds, with the helpers every route family uses: ids, actions, pages, lookups. */
import { LOCATIONS, SERVER_TYPES, SYSTEM_IMAGES } from './catalog.js';
import { HetznerHttpError } from './http-error.js';

export interface FakeServer {
  id: number;
  name: string;
  status: string;
  created: string;
  location: string;
  serverType: string;
  imageId: number | null;
  labels: Record<string, string>;
  privateNet: { network: number; ip: string }[];
  locked: boolean;
  /** The guest does not answer an ACPI shutdown: only a poweroff stops it. */
  ignoresShutdown: boolean;
}

export interface FakeNetwork {
  id: number;
  name: string;
  created: string;
  ipRange: string;
  subnets: { type: string; ip_range: string; network_zone: string; gateway: string }[];
  labels: Record<string, string>;
}

export interface FakeRrset {
  name: string;
  type: string;
  ttl: number | null;
  records: { value: string; comment?: string }[];
}

export interface FakeZone {
  id: number;
  name: string;
  created: string;
  ttl: number;
  rrsets: Map<string, FakeRrset>;
}

interface FakeAction {
  json: Record<string, unknown>;
  readsLeft: number;
  done?: () => void;
  error?: { code: string; message: string };
}

export type Json = Record<string, unknown>;

export class FakeState {
  servers = new Map<number, FakeServer>();
  images = new Map<number, Json>(SYSTEM_IMAGES.map((i) => [i.id, { ...i } as Json]));
  serverTypes: Json[] = SERVER_TYPES.map((t) => ({ ...t }));
  locations: Json[] = LOCATIONS;
  sshKeys = new Map<number, Json>();
  networks = new Map<number, FakeNetwork>();
  zones = new Map<number, FakeZone>();
  actions = new Map<number, FakeAction>();
  /** Items per page at most, whatever per_page asks (Hetzner's maximum is 50): small, so lists page. */
  pageSize = 2;
  /** Reads of GET /actions/{id} that still find a new action running. */
  actionReads = 1;
  private lastId = 1000;

  nextId(): number {
    return ++this.lastId;
  }

  now(): string {
    return new Date().toISOString().replace(/\.\d+Z$/, '+00:00');
  }

  /** A new action on `resources`; its effect `done` runs when it succeeds. */
  action(
    command: string,
    resources: { id: number; type: string }[],
    done?: () => void,
    error?: FakeAction['error'],
  ): Json {
    const id = this.nextId();
    const json: Json = {
      id,
      command,
      status: 'running',
      progress: 0,
      started: this.now(),
      finished: null,
      error: null,
      resources,
    };
    const action: FakeAction = {
      json,
      readsLeft: this.actionReads,
      ...(done ? { done } : {}),
      ...(error ? { error } : {}),
    };
    this.actions.set(id, action);
    if (action.readsLeft <= 0) this.finish(action);
    return { ...json };
  }

  readAction(id: number): Json {
    const a = this.actions.get(id);
    if (!a) throw new HetznerHttpError(404, 'not_found', `action with ID ${id} not found`);
    if (a.json.status === 'running') {
      if (a.readsLeft <= 1) this.finish(a);
      else a.readsLeft--;
    }
    return { ...a.json };
  }

  /** Every running action finishes at once (a world's settle). */
  settle(): void {
    for (const a of this.actions.values()) if (a.json.status === 'running') this.finish(a);
  }

  private finish(a: FakeAction): void {
    a.readsLeft = 0;
    Object.assign(a.json, { progress: 100, finished: this.now() });
    if (a.error) {
      Object.assign(a.json, { status: 'error', error: a.error });
      return;
    }
    a.json.status = 'success';
    a.done?.();
  }

  /** One page of `items` as Hetzner pages: ?page and ?per_page, meta.pagination beside the array. */
  page(key: string, items: unknown[], query: URLSearchParams): Json {
    const perPage = Math.min(Number(query.get('per_page') ?? 25) || 25, 50, this.pageSize);
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    return {
      [key]: items.slice((page - 1) * perPage, page * perPage),
      meta: {
        pagination: {
          page,
          per_page: perPage,
          previous_page: page > 1 ? page - 1 : null,
          next_page: page < last ? page + 1 : null,
          last_page: last,
          total_entries: items.length,
        },
      },
    };
  }

  server(id: string): FakeServer {
    const s = this.servers.get(Number(id));
    if (!s) throw new HetznerHttpError(404, 'not_found', `server with ID ${id} not found`);
    return s;
  }

  network(id: string): FakeNetwork {
    const n = this.networks.get(Number(id));
    if (!n) throw new HetznerHttpError(404, 'not_found', `network with ID ${id} not found`);
    return n;
  }

  /** By id or by name, as the zone endpoints take either. */
  zone(idOrName: string): FakeZone {
    const z = this.zones.get(Number(idOrName)) ?? [...this.zones.values()].find((x) => x.name === idOrName);
    if (!z) throw new HetznerHttpError(404, 'not_found', `zone with ID ${idOrName} not found`);
    return z;
  }
}
