// Version history: every saved version, the changes from one to the editor's workflow,
// and Restore (the server saves that version as the new current one; history is kept).
import { useEffect, useState } from "react";
import { get, message, post } from "../api";
import type { N8nWorkflow } from "../n8n";
import { diffWorkflows, type Change } from "./diff";

interface VersionRow {
  versionId: string;
  name: string;
  createdAt: string | null;
}

const SIGN = { added: "+", removed: "−", changed: "~" };

export function VersionsPanel(props: {
  workflowId: string;
  currentVersion: string | undefined;
  current: () => N8nWorkflow;
  readOnly: boolean;
  dirty: boolean;
  onRestored: (doc: N8nWorkflow) => void;
  onClose: () => void;
}) {
  const [rows, setRows] = useState<VersionRow[] | null>(null);
  const [picked, setPicked] = useState<string | null>(null);
  const [changes, setChanges] = useState<Change[] | null>(null);
  const [error, setError] = useState("");
  const base = `/api/v1/workflows/${encodeURIComponent(props.workflowId)}/versions`;

  useEffect(() => {
    get<{ data: VersionRow[] }>(`${base}?limit=100`)
      .then((r) => setRows(r.data))
      .catch((e) => setError(message(e)));
  }, [base, props.currentVersion]);

  const pick = async (v: string) => {
    setPicked(v);
    setChanges(null);
    try {
      const doc = await get<N8nWorkflow>(`${base}/${encodeURIComponent(v)}`);
      setChanges(diffWorkflows(doc, props.current()));
    } catch (e) {
      setError(message(e));
    }
  };

  const restore = async () => {
    if (!picked) return;
    if (props.dirty && !window.confirm("Restoring drops the changes you have not saved. Restore anyway?")) return;
    try {
      props.onRestored(await post<N8nWorkflow>(`${base}/${encodeURIComponent(picked)}/restore`));
      setPicked(null);
      setChanges(null);
    } catch (e) {
      setError(message(e));
    }
  };

  return (
    <aside className="side-panel card" data-testid="versions-panel">
      <div className="row">
        <h4>Version history</h4>
        <span className="spacer" />
        <button className="tiny" onClick={props.onClose} data-testid="versions-close">
          Close
        </button>
      </div>
      {error && <div className="error">{error}</div>}
      {!rows && !error && <div className="muted">Loading…</div>}
      <ul className="version-list">
        {(rows ?? []).map((v) => (
          <li key={v.versionId}>
            <button className={"version " + (picked === v.versionId ? "primary" : "")} onClick={() => pick(v.versionId)} data-testid="version" data-version={v.versionId}>
              <b>v{v.versionId}</b> {v.name}
              {v.versionId === props.currentVersion && <span className="tag">current</span>}
              <span className="muted small">{v.createdAt ? new Date(v.createdAt).toLocaleString() : ""}</span>
            </button>
          </li>
        ))}
      </ul>
      {picked && (
        <div className="version-diff" data-testid="version-diff">
          <div className="row">
            <span className="muted">
              Changes from v{picked} to the editor's workflow
            </span>
            <span className="spacer" />
            <button className="primary tiny" onClick={restore} disabled={props.readOnly || picked === props.currentVersion} data-testid="version-restore">
              Restore v{picked}
            </button>
          </div>
          {changes && !changes.length && <div className="muted" data-testid="version-same">No differences.</div>}
          <ul>
            {(changes ?? []).map((c, i) => (
              <li key={i} className={`change ${c.kind}`} data-testid="version-change" data-kind={c.kind}>
                <b>
                  {SIGN[c.kind]} {c.what}
                </b>{" "}
                {c.label}
                {c.details.map((d, j) => (
                  <div key={j} className="change-detail">
                    {d}
                  </div>
                ))}
              </li>
            ))}
          </ul>
        </div>
      )}
    </aside>
  );
}
