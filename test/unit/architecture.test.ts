/**
 * The layout rule of lib/ (README, "Architecture"), held by a test: every lib/ folder has a rank and
 * imports only folders of a lower rank (type-only imports included); folders of one rank never import each
 * other; nothing in lib/ reaches the entry points; and no file imports itself through others, anywhere in
 * the repository (the file level, which Biome's noImportCycles held at fifty seconds a run).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const LIB = join(ROOT, 'lib');

/** Lowest first. A folder may import the folders of lower ranks only. */
const RANKS: Record<string, number> = {
  core: 0,
  net: 1,
  ssh: 1,
  crypto: 1,
  cron: 1,
  providers: 2,
  model: 3,
  db: 4,
  messages: 5,
  audit: 5,
  jobs: 6,
  auth: 6,
  keys: 7,
  events: 7,
  clouds: 8,
  costs: 8,
  inventory: 9,
  probes: 9,
  webhooks: 9,
  machines: 10,
  dns: 10,
  networks: 10,
  scripts: 11,
  commands: 11,
  rules: 11,
  calendars: 11,
  schedules: 12,
  app: 13,
  http: 14,
};

/** lib/http reads documents by id through the org-scoped lookups; everything else goes through a domain. */
const HTTP_MAY_USE_DB = ['lib/db/documents.ts', 'lib/db/errors.ts', 'lib/db/lookups.ts', 'lib/db/health.ts'];

/** Packages only some folders may use. */
const PACKAGE_RULES: { pattern: RegExp; allowedIn: string[]; why: string }[] = [
  { pattern: /^aws-lambda$|^@middy\//, allowedIn: ['http'], why: 'only lib/http knows Lambda and HTTP' },
  {
    pattern: /^mongodb$/,
    allowedIn: Object.keys(RANKS).filter((f) => f !== 'providers'),
    why: 'a driver talks to its cloud only',
  },
];

interface Import {
  /** The importing file, relative to the repository (lib/x/y.ts). */
  file: string;
  /** The specifier as written. */
  specifier: string;
  /** The imported file relative to the repository, for a relative specifier. */
  target?: string;
  /** Only `import type` / `export type` statements name it: nothing of it is loaded at run time. */
  typeOnly?: boolean;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;

const TYPE_IMPORT = /\b(?:import|export)\s+type\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g;

function importsOf(file: string, source: string): Import[] {
  const count = (re: RegExp) => {
    const n = new Map<string, number>();
    for (const [, spec] of source.matchAll(re)) n.set(spec!, (n.get(spec!) ?? 0) + 1);
    return n;
  };
  const all = count(IMPORT);
  const types = count(TYPE_IMPORT);
  return [...source.matchAll(IMPORT)].map(([, specifier]) => {
    const spec = specifier!;
    if (!spec.startsWith('.')) return { file, specifier: spec };
    const target = relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, '.ts');
    return { file, specifier: spec, target, typeOnly: types.get(spec) === all.get(spec) };
  });
}

/** lib/<folder>/… → folder; a file directly under lib/ has no folder and breaks the layout by itself. */
function folderOf(path: string): string | null {
  const [top, folder, ...rest] = path.split('/');
  return top === 'lib' && rest.length > 0 ? folder! : null;
}

/** Every import that breaks the rule, as a sentence naming the file, what it imports and why not. */
function layerViolations(imports: Import[]): string[] {
  const out: string[] = [];
  for (const imp of imports) {
    const from = folderOf(imp.file);
    if (from === null || RANKS[from] === undefined) {
      out.push(`${imp.file}: not in a ranked lib/ folder`);
      continue;
    }
    if (imp.target === undefined) {
      for (const rule of PACKAGE_RULES) {
        if (rule.pattern.test(imp.specifier) && !rule.allowedIn.includes(from)) {
          out.push(`${imp.file} imports ${imp.specifier}: ${rule.why}`);
        }
      }
      continue;
    }
    if (!imp.target.startsWith('lib/')) {
      out.push(`${imp.file} imports ${imp.target}: lib/ never imports ${imp.target.split('/')[0]}/`);
      continue;
    }
    const to = folderOf(imp.target);
    if (to === from) continue;
    if (from === 'http' && to === 'db' && !HTTP_MAY_USE_DB.includes(imp.target)) {
      out.push(`${imp.file} imports ${imp.target}: lib/http reaches the database through a domain`);
    }
    if (to === null || RANKS[to] === undefined) {
      out.push(`${imp.file} imports ${imp.target}: not in a ranked lib/ folder`);
    } else if (RANKS[to]! >= RANKS[from]!) {
      out.push(`${imp.file} (${from}, rank ${RANKS[from]}) imports ${imp.target} (${to}, rank ${RANKS[to]})`);
    }
  }
  return out;
}

/**
 * The import cycles among `files`, each as its files, one per strongly connected group: Tarjan's
 * algorithm over the relative imports that load something at run time (type-only ones vanish, as Biome's
 * noImportCycles counted them).
 */
function importCycles(imports: Import[], files: Set<string>): string[][] {
  const edges = new Map<string, string[]>();
  for (const imp of imports) {
    if (imp.target === undefined || imp.typeOnly || !files.has(imp.target) || !files.has(imp.file)) continue;
    edges.set(imp.file, [...(edges.get(imp.file) ?? []), imp.target]);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || edges.get(v)?.includes(v)) groups.push(group.reverse());
  };
  for (const f of [...files].sort()) if (!index.has(f)) visit(f);
  return groups;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

const libFiles = tsFiles(LIB);
const libImports = libFiles.flatMap((f) => importsOf(f, readFileSync(join(ROOT, f), 'utf8')));

describe('the layout of lib/', () => {
  it('has every lib/ folder ranked, and no file directly under lib/', () => {
    const folders = new Set(libFiles.map((f) => folderOf(f) ?? f));
    expect([...folders].filter((f) => RANKS[f] === undefined)).toEqual([]);
  });

  it('imports only lower-ranked folders, never functions/, infra/ or local/', () => {
    expect(libImports.length).toBeGreaterThan(500);
    expect(layerViolations(libImports)).toEqual([]);
  });

  it('has no import cycle between files, in lib/ or anywhere else in the repository', () => {
    const all = ['lib', 'functions', 'infra', 'local', 'test', 'bench'].flatMap((d) =>
      tsFiles(join(ROOT, d)),
    );
    const imports = all.flatMap((f) => importsOf(f, readFileSync(join(ROOT, f), 'utf8')));
    expect(importCycles(imports, new Set(all))).toEqual([]);
  });

  it('keeps each folder to 20 files at most', () => {
    const counts = new Map<string, number>();
    for (const f of libFiles) counts.set(dirname(f), (counts.get(dirname(f)) ?? 0) + 1);
    expect([...counts].filter(([, n]) => n > 20)).toEqual([]);
  });

  it('keeps the functions thin: no handler over 40 lines', () => {
    const long = tsFiles(join(ROOT, 'functions'))
      .map((f) => [f, readFileSync(join(ROOT, f), 'utf8').trimEnd().split('\n').length] as const)
      .filter(([, lines]) => lines > 40);
    expect(long).toEqual([]);
  });
});

describe('the layout check itself', () => {
  const check = (file: string, source: string) => layerViolations(importsOf(file, source));

  it('flags an import of a higher-ranked folder', () => {
    expect(check('lib/db/x.ts', "import { findMachine } from '../machines/machines.js';")).toEqual([
      'lib/db/x.ts (db, rank 4) imports lib/machines/machines.ts (machines, rank 10)',
    ]);
  });

  it('flags folders of one rank importing each other, and type-only imports too', () => {
    expect(check('lib/dns/x.ts', "import type { NetworkDoc } from '../networks/networks.js';")).toHaveLength(
      1,
    );
  });

  it('flags lib/ reaching an entry point, and a dynamic import of one', () => {
    expect(check('lib/app/x.ts', "const m = await import('../../functions/worker.js');")).toEqual([
      'lib/app/x.ts imports functions/worker.ts: lib/ never imports functions/',
    ]);
    expect(check('lib/core/x.ts', "export { x } from '../../local/start.js';")).toHaveLength(1);
  });

  it('flags Lambda types outside lib/http and the database inside a driver', () => {
    expect(check('lib/app/x.ts', "import type { SQSEvent } from 'aws-lambda';")).toHaveLength(1);
    expect(check('lib/providers/x.ts', "import { MongoClient } from 'mongodb';")).toHaveLength(1);
    expect(check('lib/providers/x.ts', "import { collections } from '../db/collections.js';")).toHaveLength(
      1,
    );
  });

  it('flags lib/http reading collections itself', () => {
    expect(check('lib/http/routes/x.ts', "import { collections } from '../../db/collections.js';")).toEqual([
      'lib/http/routes/x.ts imports lib/db/collections.ts: lib/http reaches the database through a domain',
    ]);
  });

  it('finds an import cycle of two files or more, and none through a type-only import', () => {
    const imports = [
      ...importsOf('lib/core/a.ts', "import { b } from './b.js';"),
      ...importsOf('lib/core/b.ts', "import { type C, c } from './c.js';"),
      ...importsOf('lib/core/c.ts', "import { a } from './a.js';"),
      ...importsOf('lib/core/d.ts', "import { a } from './a.js';"),
    ];
    const files = new Set(['lib/core/a.ts', 'lib/core/b.ts', 'lib/core/c.ts', 'lib/core/d.ts']);
    expect(importCycles(imports, files)).toEqual([['lib/core/a.ts', 'lib/core/b.ts', 'lib/core/c.ts']]);
    const typeOnly = [
      ...importsOf('lib/core/a.ts', "import {\n  b,\n} from './b.js';"),
      ...importsOf('lib/core/b.ts', "import type { A } from './a.js';\nexport type { A } from './a.js';"),
    ];
    expect(importCycles(typeOnly, files)).toEqual([]);
  });

  it('accepts imports of lower ranks and within a folder', () => {
    expect(check('lib/machines/x.ts', "import { findCloud } from '../db/lookups.js';")).toEqual([]);
    expect(check('lib/machines/x.ts', "import { toMachineView } from './machines.js';")).toEqual([]);
    expect(check('lib/http/x.ts', "import middy from '@middy/core';")).toEqual([]);
  });
});
