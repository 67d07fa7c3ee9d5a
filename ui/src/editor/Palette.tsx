import { useEffect, useMemo, useRef, useState } from "react";
import type { NodeType } from "../api";

export const STICKY_ENTRY: NodeType = {
  type: "n8n-nodes-base.stickyNote",
  types: ["n8n-nodes-base.stickyNote"],
  name: "stickyNote",
  displayName: "Sticky Note",
  description: "A note on the canvas; it never runs.",
  versions: [1],
  defaultVersion: 1,
  trigger: false,
  inputs: 0,
  outputs: 0,
  dynamicInputs: false,
  dynamicOutputs: false,
  supplies: null,
  accepts: [],
  parameters: {},
};

export function Palette(props: { types: NodeType[]; onPick: (t: NodeType) => void; onClose: () => void }) {
  const [q, setQ] = useState("");
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const all = useMemo(() => [...props.types, STICKY_ENTRY], [props.types]);
  const hits = useMemo(() => {
    const words = q.toLowerCase().split(/\s+/).filter(Boolean);
    // Matches in the name rank before matches in the description only ("manual" finds
    // Manual Trigger first, not a trigger whose description mentions manual runs).
    const score = (t: NodeType) => {
      const title = `${t.displayName} ${t.name}`.toLowerCase();
      if (words.length && title.startsWith(words.join(" "))) return 0;
      if (words.every((w) => title.includes(w))) return 1;
      return 2;
    };
    return all
      .filter((t) => {
        const hay = `${t.displayName} ${t.name} ${t.types.join(" ")} ${t.description}`.toLowerCase();
        return words.every((w) => hay.includes(w));
      })
      .map((t, i) => ({ t, i, s: score(t) }))
      .sort((a, b) => a.s - b.s || a.i - b.i)
      .map((x) => x.t);
  }, [q, all]);
  return (
    <div className="palette card" data-testid="palette" onKeyDown={(e) => e.stopPropagation()}>
      <div className="row">
        <input
          ref={input}
          data-testid="palette-search"
          placeholder="Search nodes…"
          value={q}
          onChange={(e) => {
            setQ(e.target.value);
            setActive(0);
          }}
          onKeyDown={(e) => {
            if (e.key === "ArrowDown") setActive((a) => Math.min(a + 1, hits.length - 1));
            else if (e.key === "ArrowUp") setActive((a) => Math.max(a - 1, 0));
            else if (e.key === "Enter" && hits[active]) props.onPick(hits[active]);
            else if (e.key === "Escape") props.onClose();
          }}
        />
        <button className="ghost" onClick={props.onClose}>
          ✕
        </button>
      </div>
      <ul>
        {hits.map((t, i) => (
          <li key={t.type} className={i === active ? "active" : ""} onMouseEnter={() => setActive(i)} onClick={() => props.onPick(t)} data-testid="palette-item" data-type={t.type}>
            <b>{t.displayName}</b>
            {t.trigger && <span className="tag">trigger</span>}
            {t.supplies && <span className="tag">{t.supplies.replace("ai_", "")}</span>}
            <div className="muted">{t.description}</div>
          </li>
        ))}
        {hits.length === 0 && <li className="muted">No node matches “{q}”.</li>}
      </ul>
    </div>
  );
}
