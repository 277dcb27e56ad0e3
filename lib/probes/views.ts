/** Probes as the API shows them (kept apart so the machine views need nothing of the probe machinery). */
import type { LatestProbe, ProbeDoc } from '../db/documents.js';
import type { ProbeView } from '../model/probe.js';

export function toLatestProbeView(probe: LatestProbe | null | undefined) {
  if (!probe) return null;
  return { at: probe.at.toISOString(), tcp: probe.tcp, ssh: probe.ssh };
}

export function toProbeView(doc: ProbeDoc): ProbeView {
  return {
    id: doc._id,
    machineId: doc.machineId,
    at: doc.at.toISOString(),
    kind: doc.kind,
    result: doc.result,
  } as ProbeView;
}
