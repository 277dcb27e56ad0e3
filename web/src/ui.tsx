/** Small shared pieces: problems shown as title and detail, loading, state badges, tables, paging, dialogs. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiProblem, get, type Page } from './api';

export function problemOf(err: unknown): { title: string; detail: string } {
  if (err instanceof ApiProblem) return { title: err.title, detail: err.detail };
  return { title: 'Something went wrong', detail: err instanceof Error ? err.message : String(err) };
}

/** A failure as its problem's title and detail, announced to screen readers; never a stack trace. */
export function ProblemBox({ error }: { error: unknown }) {
  if (!error) return null;
  const p = problemOf(error);
  return (
    <div class="problem" role="alert">
      <strong>{p.title}</strong>
      {p.detail ? <span> {p.detail}</span> : null}
    </div>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}

/** Loads `path` (re-loads when it changes, or every `pollMs`), keeping the last good value while it does. */
export function useGet<T>(path: string | null, pollMs?: number) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(false);
  const current = useRef(path);
  current.current = path;
  const load = useCallback(async () => {
    if (!path) return;
    setLoading(true);
    try {
      const value = await get<T>(path);
      if (current.current === path) {
        setData(value);
        setError(undefined);
      }
    } catch (err) {
      if (current.current === path) setError(err);
    } finally {
      if (current.current === path) setLoading(false);
    }
  }, [path]);
  // A layout effect: the request leaves before the first paint, not after it (useEffect waits a frame).
  useLayoutEffect(() => {
    void load();
    if (!pollMs) return;
    const timer = setInterval(() => {
      if (!document.hidden) void load();
    }, pollMs);
    return () => clearInterval(timer);
  }, [load, pollMs]);
  return { data, error, loading, reload: load };
}

/** Cursor paging over a list route: a stack of the cursors that led to this page. */
export function usePaged<T>(path: (cursor: string | undefined) => string, key: string, pollMs?: number) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  // A new key (new filters) starts over at page 1.
  useEffect(() => setCursors([undefined]), [key]);
  const cursor = cursors[cursors.length - 1];
  const result = useGet<Page<T>>(path(cursor), pollMs);
  return {
    ...result,
    pageNumber: cursors.length,
    next: result.data?.nextCursor ? () => setCursors([...cursors, result.data!.nextCursor!]) : undefined,
    previous: cursors.length > 1 ? () => setCursors(cursors.slice(0, -1)) : undefined,
  };
}

export function Pager(p: { pageNumber: number; next?: () => void; previous?: () => void; label: string }) {
  return (
    <nav class="pager" aria-label={`${p.label} pages`}>
      <button type="button" onClick={p.previous} disabled={!p.previous}>
        Previous page
      </button>
      <span aria-live="polite">Page {p.pageNumber}</span>
      <button type="button" onClick={p.next} disabled={!p.next}>
        Next page
      </button>
    </nav>
  );
}

const STATE_CLASS: Record<string, string> = {
  running: 'ok',
  stopped: 'off',
  pending: 'busy',
  starting: 'busy',
  stopping: 'busy',
  rebooting: 'busy',
  terminating: 'busy',
  terminated: 'gone',
  error: 'bad',
  unknown: 'off',
};

/** A machine's state in words and in colour (the words carry it; the colour only repeats it). */
export function StateBadge({ state }: { state: string }) {
  return <span class={`state state-${STATE_CLASS[state] ?? 'off'}`}>{state}</span>;
}

export function StatusBadge({ status }: { status: string }) {
  const cls =
    status === 'succeeded' || status === 'success'
      ? 'ok'
      : status === 'failed' || status === 'failure'
        ? 'bad'
        : 'busy';
  return <span class={`state state-${cls}`}>{status}</span>;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export interface Column<T> {
  title: string;
  cell: (row: T) => ComponentChildren;
}

/** A real table: caption, column headers, one row per item; says so when there is nothing. */
export function Table<T>(p: {
  caption: string;
  columns: Column<T>[];
  rows: T[] | undefined;
  rowKey: (r: T) => string;
}) {
  return (
    <div class="table-wrap">
      <table>
        <caption>{p.caption}</caption>
        <thead>
          <tr>
            {p.columns.map((c) => (
              <th scope="col" key={c.title}>
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {p.rows === undefined ? (
            <tr>
              <td colSpan={p.columns.length}>Loading…</td>
            </tr>
          ) : p.rows.length === 0 ? (
            <tr>
              <td colSpan={p.columns.length}>None.</td>
            </tr>
          ) : (
            p.rows.map((r) => (
              <tr key={p.rowKey(r)}>
                {p.columns.map((c) => (
                  <td key={c.title}>{c.cell(r)}</td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

/** A labelled control: the label names it, for people and for tests alike. */
export function Field(p: { label: string; children: ComponentChildren; hint?: string }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control comes in as the children
    <label class="field">
      <span>{p.label}</span>
      {p.children}
      {p.hint ? <small>{p.hint}</small> : null}
    </label>
  );
}

/** A modal confirmation (the browser's own <dialog>: focus kept inside, Escape cancels). */
export function Confirm(p: {
  open: boolean;
  title: string;
  children?: ComponentChildren;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (p.open && !d.open) d.showModal();
    if (!p.open && d.open) d.close();
  }, [p.open]);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onCancel={p.onCancel}>
      <h2 id="confirm-title">{p.title}</h2>
      {p.children}
      <div class="row">
        <button type="button" onClick={p.onCancel}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={p.onConfirm}>
          {p.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

export function JsonBlock({ value, label }: { value: unknown; label: string }) {
  return (
    <figure>
      <figcaption>{label}</figcaption>
      <pre class="json">{JSON.stringify(value, null, 2)}</pre>
    </figure>
  );
}
