import { useState } from "react";
import type { NodeType } from "../api";
import { isSticky, type N8nNode } from "../n8n";
import { ItemsView, type Items } from "./Inspector";
import { SchemaFields } from "./ParamForm";

export interface RunView {
  status?: string;
  error?: any;
  input: Items | null;
  outputs: Items[] | null;
}

function errorText(e: any): string {
  if (!e) return "";
  if (typeof e === "string") return e;
  return e.message ?? e.description ?? JSON.stringify(e);
}

export function NodePanel(props: {
  node: N8nNode;
  type: NodeType | undefined;
  readOnly: boolean;
  run: RunView | null;
  /** This node's pinned items (n8n's pinData[name]), null when none. */
  pinned: any[] | null;
  onPin: (items: any[] | null) => void;
  onChange: (next: N8nNode) => void;
  onRename: (name: string) => string | null;
  onClose: () => void;
}) {
  const { node, type, readOnly, run } = props;
  const [tab, setTab] = useState<"params" | "settings">("params");
  const [name, setName] = useState(node.name);
  const [renameError, setRenameError] = useState("");
  const [outIdx, setOutIdx] = useState(0);
  const set = (patch: Partial<N8nNode>) => props.onChange({ ...node, ...patch });
  const commitName = () => {
    if (name === node.name) return;
    const err = props.onRename(name);
    setRenameError(err ?? "");
    if (err) setName(node.name);
  };
  const ranOutputs = run?.outputs ?? null;
  const pinned = props.pinned;
  // Pinned items are what a manual run outputs: show them on output 0 when pinned.
  const outputs = pinned ? [pinned, ...(ranOutputs ?? []).slice(1)] : ranOutputs;
  const shown = outputs ? outputs[Math.min(outIdx, outputs.length - 1)] ?? [] : null;
  const pin = () => {
    const first = ranOutputs?.[0];
    if (!first) return;
    // n8n's pinData holds items as {json}; run outputs come as the items' json.
    props.onPin(first.map((it: any) => (it && typeof it === "object" && "json" in it ? { json: it.json } : { json: it })));
  };
  return (
    <div className="panel-backdrop" onMouseDown={(e) => e.target === e.currentTarget && props.onClose()}>
      <div className="panel card" data-testid="node-panel" onKeyDown={(e) => e.key === "Escape" && props.onClose()}>
        <div className="panel-head">
          <input className="title-input" value={name} readOnly={readOnly} data-testid="node-name-input" onChange={(e) => setName(e.target.value)} onBlur={commitName} onKeyDown={(e) => e.key === "Enter" && commitName()} />
          <span className="muted">
            {type?.displayName ?? node.type} · v{node.typeVersion ?? type?.defaultVersion ?? 1}
          </span>
          <span className="spacer" />
          <button onClick={props.onClose} data-testid="node-panel-close">
            Close
          </button>
        </div>
        {renameError && <div className="error">{renameError}</div>}
        {run?.error && (
          <div className="error" data-testid="panel-node-error">
            {errorText(run.error)}
          </div>
        )}
        <div className="panel-body">
          {!isSticky(node) && (
            <section className="pane">
              <h4>Input</h4>
              <ItemsView items={run?.input ?? null} testid="input-items" empty="No input yet: run the workflow." />
            </section>
          )}
          <section className="pane main">
            <div className="tabs">
              <button className={tab === "params" ? "active" : ""} onClick={() => setTab("params")} data-testid="tab-params">
                Parameters
              </button>
              <button className={tab === "settings" ? "active" : ""} onClick={() => setTab("settings")} data-testid="tab-settings">
                Settings
              </button>
            </div>
            {tab === "params" && isSticky(node) && (
              <textarea rows={12} value={String(node.parameters?.content ?? "")} readOnly={readOnly} data-testid="sticky-content" onChange={(e) => set({ parameters: { ...(node.parameters ?? {}), content: e.target.value } })} />
            )}
            {tab === "params" && !isSticky(node) && (
              <div className="form" data-testid="param-form">
                {type ? (
                  <SchemaFields schema={type.parameters} root={type.parameters} value={node.parameters ?? {}} readOnly={readOnly} onChange={(p) => set({ parameters: p })} />
                ) : (
                  <div className="error">Unknown node type {node.type}: this server has no such node. Its parameters are kept as they are.</div>
                )}
              </div>
            )}
            {tab === "settings" && (
              <div className="form">
                <label className="check">
                  <input type="checkbox" checked={!!node.disabled} disabled={readOnly} data-testid="setting-disabled" onChange={(e) => set({ disabled: e.target.checked || undefined })} /> Disabled (items pass through)
                </label>
                <label className="check">
                  <input type="checkbox" checked={!!node.alwaysOutputData} disabled={readOnly} onChange={(e) => set({ alwaysOutputData: e.target.checked || undefined })} /> Always output data
                </label>
                <label className="check">
                  <input type="checkbox" checked={!!node.executeOnce} disabled={readOnly} onChange={(e) => set({ executeOnce: e.target.checked || undefined })} /> Execute once
                </label>
                <label className="check">
                  <input type="checkbox" checked={!!node.retryOnFail} disabled={readOnly} onChange={(e) => set({ retryOnFail: e.target.checked || undefined })} /> Retry on fail
                </label>
                <label>
                  On error
                  <select value={node.onError ?? "stopWorkflow"} disabled={readOnly} data-testid="setting-onerror" onChange={(e) => set({ onError: e.target.value === "stopWorkflow" ? undefined : e.target.value })}>
                    <option value="stopWorkflow">Stop workflow</option>
                    <option value="continueRegularOutput">Continue</option>
                    <option value="continueErrorOutput">Continue (using error output)</option>
                  </select>
                </label>
                <label>
                  Notes
                  <textarea rows={3} value={node.notes ?? ""} readOnly={readOnly} onChange={(e) => set({ notes: e.target.value || undefined })} />
                </label>
              </div>
            )}
          </section>
          {!isSticky(node) && (
            <section className="pane">
              <h4>
                Output
                {outputs && outputs.length > 1 && (
                  <select value={outIdx} onChange={(e) => setOutIdx(Number(e.target.value))} data-testid="output-port">
                    {outputs.map((o, i) => (
                      <option key={i} value={i}>
                        output {i} ({(o ?? []).length})
                      </option>
                    ))}
                  </select>
                )}
              </h4>
              <div className="row pin-row">
                {pinned ? (
                  <>
                    <span className="tag pinned-tag" data-testid="output-pinned">
                      ◉ pinned: manual runs output these {pinned.length} item{pinned.length === 1 ? "" : "s"}
                    </span>
                    <button className="tiny" disabled={readOnly} onClick={() => props.onPin(null)} data-testid="unpin">
                      Unpin
                    </button>
                  </>
                ) : (
                  <button className="tiny" disabled={readOnly || !ranOutputs?.[0]} onClick={pin} data-testid="pin" title="Pin this output: manual runs use it instead of running the node">
                    ◉ Pin output
                  </button>
                )}
              </div>
              <ItemsView items={shown} testid="output-items" empty="No output yet: run the workflow." />
            </section>
          )}
        </div>
      </div>
    </div>
  );
}
