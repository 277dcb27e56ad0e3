/**
 * An in-memory Compute Engine on 127.0.0.1, following the REST paths and shapes of Google's discovery
 * document (compute/v1): the driver is tested through the official client's real HTTP transport, not
 * through mocks of it. Operations answer RUNNING first and DONE on the next get/wait, and their effect
 * lands only then, so a driver that does not wait sees the old state.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { instanceRoute } from './instances-route.js';
import { FakeVpc } from './networks-route.js';
import { type FakeSnapshot, snapshotRoute } from './snapshots-route.js';

export interface FakeInstance {
  id: string;
  name: string;
  zone: string;
  status: string;
  machineType: string;
  labels: Record<string, string>;
  natIP?: string;
  networkIP: string;
  creationTimestamp: string;
  metadata: { key: string; value: string }[];
  disk: string;
  /** The subnetwork's URL its interface is in; absent: the default network. */
  subnetwork?: string;
}

/** Another Google API behind the same host (the DNS fake), past the token check and injected faults. */
export type MountedApi = (
  res: ServerResponse,
  url: URL,
  method: string,
  body: Record<string, unknown>,
) => void;

interface FakeOperation {
  name: string;
  scope: string; // 'zones/<zone>' or 'global'
  status: 'RUNNING' | 'DONE';
  operationType: string;
  targetLink: string;
  apply: () => void;
  error?: { code: string; message: string; httpStatus: number };
}

export const BASE = '/compute/v1/projects/';
const TOKEN = 'fake-access-token';
const IMAGE_PROJECTS = ['debian-cloud', 'ubuntu-os-cloud'];

export class GcpComputeFake {
  readonly instances = new Map<string, FakeInstance>(); // key zone/name
  readonly snapshots = new Map<string, FakeSnapshot>();
  readonly operations = new Map<string, FakeOperation>();
  readonly zones = ['europe-west1-b', 'europe-west1-c', 'europe-west1-d', 'us-central1-a', 'us-central1-f'];
  readonly zonesOf = (region: string) => this.zones.filter((z) => z.startsWith(`${region}-`));
  /** Log of "METHOD path" of every request, the token endpoint included. */
  readonly requests: string[] = [];
  /** Page size the fake imposes whatever maxResults says, so tests cross pages. */
  pageSize = 2;
  tokenRequests = 0;
  /** The machine types every zone lists (tests of prices add their own). */
  readonly machineTypes: Array<{ name: string; guestCpus: number; memoryMb: number }> = [
    { name: 'e2-small', guestCpus: 2, memoryMb: 2048 },
    { name: 'e2-medium', guestCpus: 2, memoryMb: 4096 },
    { name: 'n2-standard-4', guestCpus: 4, memoryMb: 16384 },
  ];
  /** Every API call answers this late (the token endpoint does not): tests of timeouts. */
  delayMs = 0;
  /** Zones (instances) or regions (subnetworks) aggregated lists flag UNREACHABLE, answering 200, as in an outage. */
  readonly unreachable = new Set<string>();
  /** zone/name of every instance reset, when its operation completed. */
  readonly resets: string[] = [];
  /** Networks and subnetworks (global/networks, regions/{r}/subnetworks). */
  readonly vpc = new FakeVpc(this);
  private readonly mounts = new Map<string, MountedApi>();
  private faults: { status: number; reason: string; left: number; skip: number }[] = [];
  private server: Server | undefined;
  private seq = 0;
  /** A fresh number for ids and operation names. */
  nextSeq(): number {
    return ++this.seq;
  }

  constructor(readonly project = 'nimbo-test') {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((err) => this.error(res, 500, 'backendError', String(err)));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** The next `count` API calls (not the token endpoint), after `skip` good ones, answer this error. */
  failNext(
    count: number,
    status: number,
    options: { reason?: string; skip?: number; message?: string } = {},
  ) {
    const reason = options.reason ?? (status === 429 ? 'rateLimitExceeded' : 'backendError');
    this.faults.push({ status, reason, left: count, skip: options.skip ?? 0 });
    if (options.message) this.faultMessage = options.message;
  }

  private faultMessage: string | undefined;
  private nextOperationError: FakeOperation['error'];

  /** The next operation started ends DONE with this error (e.g. QUOTA_EXCEEDED, 403), its effect not applied. */
  failNextOperation(code: string, message: string, httpStatus = 400) {
    this.nextOperationError = { code, message, httpStatus };
  }

  /** Serves every path under `prefix` (e.g. /dns/v1/) with `api`, sharing this host, token and faults. */
  mount(prefix: string, api: MountedApi) {
    this.mounts.set(prefix, api);
  }

  seed(zone: string, name: string, overrides: Partial<FakeInstance> = {}): FakeInstance {
    const n = ++this.seq;
    const inst: FakeInstance = {
      id: String(1000 + n),
      name,
      zone,
      status: 'RUNNING',
      machineType: 'e2-small',
      labels: {},
      natIP: `127.0.0.${n % 250}`,
      networkIP: `10.0.0.${n % 250}`,
      creationTimestamp: '2026-01-02T03:04:05.000-08:00',
      metadata: [],
      disk: name,
      ...overrides,
    };
    this.instances.set(`${zone}/${name}`, inst);
    return inst;
  }

  /** By name or by numeric id: GCE's instance paths take either. */
  instance(zone: string, nameOrId: string): FakeInstance | undefined {
    return (
      this.instances.get(`${zone}/${nameOrId}`) ??
      [...this.instances.values()].find((i) => i.zone === zone && i.id === nameOrId)
    );
  }

  url(path: string) {
    return `https://www.googleapis.com/compute/v1/projects/${this.project}/${path}`;
  }

  toJson(i: FakeInstance) {
    return {
      kind: 'compute#instance',
      id: i.id,
      name: i.name,
      zone: this.url(`zones/${i.zone}`),
      status: i.status,
      machineType: this.url(`zones/${i.zone}/machineTypes/${i.machineType}`),
      labels: i.labels,
      creationTimestamp: i.creationTimestamp,
      metadata: { items: i.metadata },
      selfLink: this.url(`zones/${i.zone}/instances/${i.name}`),
      networkInterfaces: [
        {
          network: this.url('global/networks/default'),
          ...(i.subnetwork ? { subnetwork: i.subnetwork } : {}),
          networkIP: i.networkIP,
          accessConfigs: i.natIP ? [{ type: 'ONE_TO_ONE_NAT', name: 'External NAT', natIP: i.natIP }] : [],
        },
      ],
      disks: [{ boot: true, source: this.url(`zones/${i.zone}/disks/${i.disk}`) }],
    };
  }

  send(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(body));
  }

  /** Google's JSON error format, as every Google API answers. */
  error(res: ServerResponse, code: number, reason: string, message: string) {
    const status: Record<number, string> = {
      400: 'INVALID_ARGUMENT',
      401: 'UNAUTHENTICATED',
      403: 'PERMISSION_DENIED',
      404: 'NOT_FOUND',
      409: 'ALREADY_EXISTS',
      429: 'RESOURCE_EXHAUSTED',
      500: 'INTERNAL',
    };
    this.send(res, code, {
      error: { code, message, status: status[code], errors: [{ message, domain: 'global', reason }] },
    });
  }

  operation(scope: string, type: string, target: string, apply: () => void, error?: FakeOperation['error']) {
    const op: FakeOperation = {
      name: `operation-${++this.seq}-${type}`,
      scope,
      status: 'RUNNING',
      operationType: type,
      targetLink: target,
      apply,
      ...((error ?? this.nextOperationError) ? { error: error ?? this.nextOperationError } : {}),
    };
    this.nextOperationError = undefined;
    this.operations.set(op.name, op);
    return this.opJson(op);
  }

  private opJson(op: FakeOperation) {
    const zone = op.scope.startsWith('zones/') ? { zone: this.url(op.scope) } : {};
    const region = op.scope.startsWith('regions/') ? { region: this.url(op.scope) } : {};
    return {
      kind: 'compute#operation',
      id: String(this.seq),
      name: op.name,
      ...zone,
      ...region,
      operationType: op.operationType,
      targetLink: op.targetLink,
      status: op.status,
      progress: op.status === 'DONE' ? 100 : 0,
      selfLink: this.url(`${op.scope}/operations/${op.name}`),
      ...(op.status === 'DONE' && op.error
        ? {
            httpErrorStatusCode: op.error.httpStatus,
            httpErrorMessage: 'FAILED',
            error: { errors: [op.error] },
          }
        : {}),
    };
  }

  private async body(req: IncomingMessage): Promise<Record<string, unknown>> {
    let text = '';
    for await (const chunk of req) text += chunk;
    if (!text) return {};
    if ((req.headers['content-type'] ?? '').includes('x-www-form-urlencoded')) {
      return Object.fromEntries(new URLSearchParams(text));
    }
    return JSON.parse(text) as Record<string, unknown>;
  }

  page<T>(res: ServerResponse, url: URL, all: T[], wrap: (items: T[]) => Record<string, unknown>) {
    const size = Math.min(this.pageSize, Number(url.searchParams.get('maxResults') || 500));
    const offset = Number(url.searchParams.get('pageToken') || 0);
    const next = offset + size < all.length ? { nextPageToken: String(offset + size) } : {};
    this.send(res, 200, { ...wrap(all.slice(offset, offset + size)), ...next });
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    this.requests.push(`${method} ${url.pathname}`);
    if (url.pathname === '/token' && method === 'POST') {
      this.tokenRequests++;
      const form = await this.body(req);
      const grant = form.grant_type === 'urn:ietf:params:oauth:grant-type:jwt-bearer';
      const jwt = typeof form.assertion === 'string' && form.assertion.split('.').length === 3;
      if (!grant || !jwt)
        return this.send(res, 400, { error: 'invalid_grant', error_description: 'bad grant' });
      return this.send(res, 200, { access_token: TOKEN, expires_in: 3600, token_type: 'Bearer' });
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      return this.error(res, 401, 'authError', 'Request had invalid authentication credentials.');
    }
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const fault = this.faults.find((f) => f.left > 0);
    if (fault && fault.skip > 0) fault.skip--;
    else if (fault) {
      fault.left--;
      const words =
        this.faultMessage ??
        (fault.reason === 'rateLimitExceeded' ? 'Rate Limit Exceeded' : `Injected ${fault.status}`);
      return this.error(res, fault.status, fault.reason, words);
    }
    const body = ['POST', 'PUT', 'PATCH'].includes(method) ? await this.body(req) : {};
    for (const [prefix, api] of this.mounts)
      if (url.pathname.startsWith(prefix)) return api(res, url, method, body);
    // The project's own resources, and the public image projects' images.
    const [project, ...parts] = url.pathname.startsWith(BASE)
      ? url.pathname.slice(BASE.length).split('/')
      : [];
    const images = parts[0] === 'global' && parts[1] === 'images' && IMAGE_PROJECTS.includes(project ?? '');
    if (!project || (project !== this.project && !images)) {
      return this.error(res, 404, 'notFound', `The resource '${url.pathname}' was not found`);
    }
    if (images) return this.images(res, url, project);
    return this.route(res, url, method, parts, body);
  }

  private images(res: ServerResponse, url: URL, project: string) {
    const link = (name: string) =>
      `https://www.googleapis.com/compute/v1/projects/${project}/global/images/${name}`;
    const all = [
      { name: `${project}-12-v1`, selfLink: link(`${project}-12-v1`) },
      { name: `${project}-11-old`, deprecated: { state: 'DEPRECATED' }, selfLink: link(`${project}-11-old`) },
      { name: `${project}-13-v2`, selfLink: link(`${project}-13-v2`) },
    ];
    return this.page(res, url, all, (items) => ({ kind: 'compute#imageList', items }));
  }

  private route(res: ServerResponse, url: URL, method: string, p: string[], body: Record<string, unknown>) {
    const [a, b, c, d, e] = p;
    if (a === 'aggregated' && b === 'instances' && method === 'GET') {
      // Every zone with a warning when it has none on the page, as GCE does.
      const all = [...this.instances.values()];
      return this.page(res, url, all, (items) => {
        const out: Record<string, unknown> = {};
        for (const z of this.zones) {
          const here = items.filter((i) => i.zone === z).map((i) => this.toJson(i));
          const unreachable = { code: 'UNREACHABLE', message: `Scope zones/${z} is unreachable` };
          out[`zones/${z}`] = this.unreachable.has(z)
            ? { warning: unreachable }
            : here.length
              ? { instances: here }
              : { warning: { code: 'NO_RESULTS_ON_PAGE', message: 'There are no results for scope' } };
        }
        return { kind: 'compute#instanceAggregatedList', items: out };
      });
    }
    if (a === 'regions' && b && !c) {
      if (!this.zonesOf(b).length)
        return this.error(res, 404, 'notFound', `The resource 'regions/${b}' was not found`);
      return this.send(res, 200, { kind: 'compute#region', name: b, status: 'UP' });
    }
    if (a === 'zones' && !b) {
      const all = this.zones.map((z) => ({
        kind: 'compute#zone',
        name: z,
        region: this.url(`regions/${z.slice(0, -2)}`),
        status: 'UP',
      }));
      return this.page(res, url, all, (items) => ({ items }));
    }
    if (snapshotRoute(this, res, { url, method, parts: p, body })) return;
    if (
      (a === 'global' && b === 'operations') ||
      ((a === 'zones' || a === 'regions') && c === 'operations')
    ) {
      const name = a === 'global' ? c : d;
      const op = this.operations.get(name ?? '');
      if (!op) return this.error(res, 404, 'notFound', `The resource 'operations/${name}' was not found`);
      if (op.status === 'RUNNING' && this.requests.filter((r) => r.includes(op.name)).length > 1) {
        op.status = 'DONE';
        if (!op.error) op.apply();
      }
      return this.send(res, 200, this.opJson(op));
    }
    if (a === 'zones' && b && c === 'machineTypes') {
      const all = this.machineTypes.map((m) => ({ kind: 'compute#machineType', zone: b, ...m }));
      return this.page(res, url, all, (items) => ({ items }));
    }
    if (this.vpc.route(res, url, method, p, body)) return;
    if (a === 'zones' && b && c === 'instances')
      return instanceRoute(this, res, { method, zone: b, name: d, verb: e, body });
    return this.error(res, 404, 'notFound', `The resource '${p.join('/')}' was not found`);
  }
}
