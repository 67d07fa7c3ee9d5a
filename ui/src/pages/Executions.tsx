import { useCallback, useEffect, useState } from "react";
import { canEdit, del, get, message, post, type User } from "../api";
import { go, query } from "../router";

interface Execution {
  id: string;
  workflowId: string;
  workflowName?: string;
  mode: string;
  status: string;
  finished: boolean;
  createdAt?: string;
  startedAt?: string;
  stoppedAt?: string;
  error?: any;
}

const STATUSES = ["", "success", "error", "running", "waiting", "canceled", "crashed"];

function duration(e: Execution): string {
  if (!e.startedAt || !e.stoppedAt) return "";
  const ms = new Date(e.stoppedAt).getTime() - new Date(e.startedAt).getTime();
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function Executions({ user }: { user: User }) {
  const [rows, setRows] = useState<Execution[]>([]);
  const [workflows, setWorkflows] = useState<{ id: string; name: string }[]>([]);
  const [status, setStatus] = useState("");
  const [workflowId, setWorkflowId] = useState(() => query().get("workflowId") ?? "");
  const [error, setError] = useState("");
  const editable = canEdit(user);

  const load = useCallback(async () => {
    const q = new URLSearchParams({ limit: "100" });
    if (status) q.set("status", status);
    if (workflowId) q.set("workflowId", workflowId);
    try {
      setRows((await get<{ data: Execution[] }>(`/api/v1/executions?${q}`)).data);
      setError("");
    } catch (e) {
      setError(message(e));
    }
  }, [status, workflowId]);
  useEffect(() => {
    void load();
    const t = setInterval(load, 3000);
    return () => clearInterval(t);
  }, [load]);
  useEffect(() => {
    get<{ data: { id: string; name: string }[] }>("/api/v1/workflows?limit=250").then((r) => setWorkflows(r.data), () => {});
  }, []);

  const act = async (f: () => Promise<unknown>) => {
    try {
      await f();
      await load();
    } catch (e) {
      setError(message(e));
    }
  };

  return (
    <div className="page">
      <div className="page-head">
        <h2>Executions</h2>
        <select value={status} onChange={(e) => setStatus(e.target.value)} data-testid="execution-status-filter">
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s || "any status"}
            </option>
          ))}
        </select>
        <select value={workflowId} onChange={(e) => setWorkflowId(e.target.value)} data-testid="execution-workflow-filter">
          <option value="">any workflow</option>
          {workflows.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </select>
        <button onClick={load}>Refresh</button>
      </div>
      {error && (
        <div className="error" data-testid="error">
          {error}
        </div>
      )}
      <table className="list" data-testid="execution-list">
        <thead>
          <tr>
            <th>Workflow</th>
            <th>Status</th>
            <th>Mode</th>
            <th>Started</th>
            <th>Took</th>
            <th>Id</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => (
            <tr key={e.id} data-testid="execution-row" data-status={e.status}>
              <td>
                <a href={`#/execution/${encodeURIComponent(e.id)}`} data-testid="execution-open">
                  {e.workflowName ?? e.workflowId}
                </a>
              </td>
              <td>
                <span className={`status-pill ${e.status}`}>{e.status}</span>
              </td>
              <td>{e.mode}</td>
              <td className="muted">{e.startedAt ? new Date(e.startedAt).toLocaleString() : ""}</td>
              <td>{duration(e)}</td>
              <td className="muted mono">{e.id.slice(0, 8)}</td>
              <td className="actions">
                <button onClick={() => go(`execution/${e.id}`)}>Open</button>
                {editable && ["error", "crashed", "canceled"].includes(e.status) && (
                  <button onClick={() => act(() => post(`/api/v1/executions/${e.id}/retry`))} data-testid="execution-row-retry">
                    Retry
                  </button>
                )}
                {editable && !e.finished && (
                  <button onClick={() => act(() => post(`/api/v1/executions/${e.id}/stop`))} data-testid="execution-row-stop">
                    Stop
                  </button>
                )}
                {editable && (
                  <button onClick={() => act(() => del(`/api/v1/executions/${e.id}`))} data-testid="execution-row-delete">
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
          {rows.length === 0 && (
            <tr>
              <td colSpan={7} className="muted">
                No executions match.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
