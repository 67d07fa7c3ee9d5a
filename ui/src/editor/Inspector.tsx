// Items of a node's last run, as a table or as JSON.
import { useState } from "react";

export type Items = any[];

const jsonOf = (item: any) => (item && typeof item === "object" && "json" in item && Object.keys(item).length <= 3 ? item.json : item);

function cell(v: any): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

export function ItemsView(props: { items: Items | null; testid: string; empty: string }) {
  const [mode, setMode] = useState<"table" | "json">("table");
  const items = (props.items ?? []).map(jsonOf);
  const cols = Array.from(new Set(items.flatMap((i) => (i && typeof i === "object" ? Object.keys(i) : []))));
  return (
    <div className="inspector" data-testid={props.testid}>
      <div className="row">
        <span className="muted" data-testid={`${props.testid}-count`}>
          {props.items ? `${items.length} item${items.length === 1 ? "" : "s"}` : props.empty}
        </span>
        <span className="spacer" />
        <button className={"tiny " + (mode === "table" ? "primary" : "")} onClick={() => setMode("table")} data-testid={`${props.testid}-table`}>
          Table
        </button>
        <button className={"tiny " + (mode === "json" ? "primary" : "")} onClick={() => setMode("json")} data-testid={`${props.testid}-json`}>
          JSON
        </button>
      </div>
      {props.items && mode === "table" && (
        <div className="table-wrap">
          <table className="items">
            <thead>
              <tr>
                <th>#</th>
                {cols.map((c) => (
                  <th key={c}>{c}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {items.slice(0, 500).map((it, i) => (
                <tr key={i}>
                  <td className="muted">{i}</td>
                  {cols.map((c) => (
                    <td key={c}>{cell(it?.[c])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {props.items && mode === "json" && <pre className="code">{JSON.stringify(items.slice(0, 500), null, 2)}</pre>}
    </div>
  );
}
