// A parameter form generated from a node type's JSON schema (pydantic's): strings, numbers,
// booleans, enums, nested objects; free-form objects and arrays (n8n's collections and
// fixedCollections) get a JSON editor; n8n's assignments and conditions get their own rows.
import { useEffect, useState } from "react";
import { ExpressionPreview, isExpression } from "./Expression";

type Schema = Record<string, any>;
type Change = (value: any) => void;

function resolve(s: Schema | undefined, root: Schema): Schema {
  let cur = s ?? {};
  for (let i = 0; i < 10 && cur.$ref; i++) cur = root.$defs?.[String(cur.$ref).split("/").pop()!] ?? {};
  if (cur.allOf?.length === 1) cur = { ...resolve(cur.allOf[0], root), ...cur, allOf: undefined };
  return cur;
}

function kindOf(s: Schema, root: Schema): string {
  const r = resolve(s, root);
  if (r.enum) return "enum";
  if (r.anyOf) {
    const kinds = r.anyOf.map((b: Schema) => kindOf(b, root)).filter((k: string) => k !== "null");
    if (kinds.includes("boolean")) return "boolean";
    if (kinds.includes("number") || kinds.includes("integer")) return "number";
    return kinds[0] ?? "any";
  }
  if (r.type === "object" && r.properties && Object.keys(r.properties).length) return "object";
  if (r.type === "object" || r.type === "array") return "json";
  return r.type ?? "any";
}

const label = (key: string, s: Schema) => {
  const t = s.title && s.title.toLowerCase() !== key.toLowerCase() ? s.title : key.replace(/([A-Z])/g, " $1").replace(/^./, (c) => c.toUpperCase());
  return t;
};

export function JsonEditor(props: { value: any; onChange: Change; readOnly: boolean; testid?: string; rows?: number }) {
  const [text, setText] = useState(() => JSON.stringify(props.value ?? null, null, 2));
  const [bad, setBad] = useState("");
  useEffect(() => {
    try {
      if (JSON.stringify(JSON.parse(text)) === JSON.stringify(props.value ?? null)) return;
    } catch {
      return;
    }
    setText(JSON.stringify(props.value ?? null, null, 2));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.value]);
  return (
    <div>
      <textarea
        className="code"
        rows={props.rows ?? Math.min(14, Math.max(3, text.split("\n").length))}
        value={text}
        readOnly={props.readOnly}
        data-testid={props.testid}
        spellCheck={false}
        onChange={(e) => {
          setText(e.target.value);
          try {
            props.onChange(JSON.parse(e.target.value));
            setBad("");
          } catch (err) {
            setBad(String((err as Error).message));
          }
        }}
      />
      {bad && <div className="error small">{bad}</div>}
    </div>
  );
}

function Field(props: { name: string; schema: Schema; root: Schema; value: any; onChange: Change; readOnly: boolean; path: string }) {
  const { name, root, value, onChange, readOnly, path } = props;
  const s = resolve(props.schema, root);
  const kind = kindOf(s, root);
  const shown = value === undefined ? s.default : value;
  const expr = isExpression(shown);
  const testid = `param-${path}`;
  let input;
  if (name === "assignments" && kind !== "object") {
    input = <Assignments value={value ?? s.default} onChange={onChange} readOnly={readOnly} />;
  } else if (name === "conditions" && kind !== "object") {
    input = <Conditions value={value ?? s.default} onChange={onChange} readOnly={readOnly} />;
  } else if (expr || kind === "string" || kind === "any") {
    const text = typeof shown === "string" ? shown : shown === undefined || shown === null ? "" : JSON.stringify(shown);
    const multi = text.length > 60 || text.includes("\n") || /code|query|json|html|text/i.test(name);
    input = multi ? (
      <textarea className={"code" + (expr ? " expr-input" : "")} rows={Math.min(12, Math.max(3, text.split("\n").length))} value={text} readOnly={readOnly} data-testid={testid} spellCheck={false} onChange={(e) => onChange(e.target.value)} />
    ) : (
      <input className={expr ? "expr-input" : ""} value={text} readOnly={readOnly} data-testid={testid} onChange={(e) => onChange(e.target.value)} />
    );
  } else if (kind === "number" || kind === "integer") {
    input = <input type="number" value={shown ?? ""} readOnly={readOnly} data-testid={testid} onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))} />;
  } else if (kind === "boolean") {
    input = <input type="checkbox" checked={!!shown} disabled={readOnly} data-testid={testid} onChange={(e) => onChange(e.target.checked)} />;
  } else if (kind === "enum") {
    input = (
      <select value={shown ?? ""} disabled={readOnly} data-testid={testid} onChange={(e) => onChange(e.target.value)}>
        {(s.enum as any[]).map((o) => (
          <option key={String(o)} value={o}>
            {String(o)}
          </option>
        ))}
      </select>
    );
  } else if (kind === "object") {
    input = (
      <fieldset className="nested">
        <SchemaFields schema={s} root={root} value={value ?? {}} onChange={onChange} readOnly={readOnly} path={path} />
      </fieldset>
    );
  } else {
    input = <JsonEditor value={shown ?? (kind === "json" && s.type === "array" ? [] : {})} onChange={onChange} readOnly={readOnly} testid={testid} />;
  }
  const canFx = !readOnly && (kind === "number" || kind === "integer" || kind === "boolean" || kind === "enum");
  return (
    <div className="field">
      <div className="field-label">
        <span>{label(name, s)}</span>
        {canFx && (
          <button className="ghost tiny" title="Use an expression" data-testid={`fx-${path}`} onClick={() => onChange(expr ? s.default : "={{ " + JSON.stringify(shown ?? "") + " }}")}>
            {expr ? "fixed" : "fx"}
          </button>
        )}
      </div>
      {s.description && <div className="muted small">{s.description}</div>}
      {input}
      {expr && <ExpressionPreview value={shown} />}
    </div>
  );
}

export function SchemaFields(props: { schema: Schema; root: Schema; value: Record<string, any>; onChange: Change; readOnly: boolean; path?: string }) {
  const { schema, root, value, onChange, readOnly } = props;
  const s = resolve(schema, root);
  const props_ = (s.properties ?? {}) as Record<string, Schema>;
  const known = Object.keys(props_);
  const extra = Object.fromEntries(Object.entries(value ?? {}).filter(([k]) => !known.includes(k)));
  const set = (k: string, v: any) => {
    const next = { ...(value ?? {}) };
    if (v === undefined) delete next[k];
    else next[k] = v;
    onChange(next);
  };
  return (
    <>
      {known.map((k) => (
        <Field key={k} name={k} schema={props_[k]} root={root} value={value?.[k]} onChange={(v) => set(k, v)} readOnly={readOnly} path={props.path ? `${props.path}.${k}` : k} />
      ))}
      {(Object.keys(extra).length > 0 || known.length === 0) && (
        <div className="field">
          <div className="field-label">{known.length ? "Other parameters (JSON)" : "Parameters (JSON)"}</div>
          <JsonEditor
            value={extra}
            readOnly={readOnly}
            testid={props.path ? `param-${props.path}.__extra` : "param-__extra"}
            onChange={(v) => {
              if (!v || typeof v !== "object" || Array.isArray(v)) return;
              const base = Object.fromEntries(Object.entries(value ?? {}).filter(([k]) => known.includes(k)));
              onChange({ ...base, ...v });
            }}
          />
        </div>
      )}
    </>
  );
}

let seq = 0;
const rowId = () => `${Date.now().toString(36)}-${(seq++).toString(36)}`;

/** n8n's Edit Fields assignments: {assignments: [{id, name, value, type}]}. */
function Assignments(props: { value: any; onChange: Change; readOnly: boolean }) {
  const rows: any[] = Array.isArray(props.value?.assignments) ? props.value.assignments : [];
  const put = (next: any[]) => props.onChange({ ...(props.value ?? {}), assignments: next });
  const edit = (i: number, patch: Record<string, any>) => put(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="rows" data-testid="assignments">
      {rows.map((r, i) => (
        <div className="assignment" key={r.id ?? i}>
          <input placeholder="name" value={r.name ?? ""} readOnly={props.readOnly} data-testid={`assignment-name-${i}`} onChange={(e) => edit(i, { name: e.target.value })} />
          <select value={r.type ?? "string"} disabled={props.readOnly} data-testid={`assignment-type-${i}`} onChange={(e) => edit(i, { type: e.target.value })}>
            {["string", "number", "boolean", "array", "object"].map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
          <input className={isExpression(r.value) ? "expr-input" : ""} placeholder="value or ={{ expression }}" value={typeof r.value === "string" ? r.value : JSON.stringify(r.value ?? "")} readOnly={props.readOnly} data-testid={`assignment-value-${i}`} onChange={(e) => edit(i, { value: e.target.value })} />
          {!props.readOnly && (
            <button className="ghost tiny" onClick={() => put(rows.filter((_, j) => j !== i))} title="Remove">
              ✕
            </button>
          )}
          {isExpression(r.value) && <ExpressionPreview value={r.value} />}
        </div>
      ))}
      {!props.readOnly && (
        <button className="tiny" data-testid="assignment-add" onClick={() => put([...rows, { id: rowId(), name: "", value: "", type: "string" }])}>
          + Add field
        </button>
      )}
    </div>
  );
}

const OPERATORS: [string, string, string][] = [
  ["string", "equals", "is equal to (text)"],
  ["string", "notEquals", "is not equal to (text)"],
  ["string", "contains", "contains"],
  ["string", "startsWith", "starts with"],
  ["string", "exists", "exists"],
  ["string", "empty", "is empty"],
  ["number", "equals", "= (number)"],
  ["number", "notEquals", "≠ (number)"],
  ["number", "gt", "> (number)"],
  ["number", "gte", "≥ (number)"],
  ["number", "lt", "< (number)"],
  ["number", "lte", "≤ (number)"],
  ["boolean", "true", "is true"],
  ["boolean", "false", "is false"],
];
const UNARY = new Set(["exists", "empty", "true", "false"]);

/** n8n's filter conditions (If 2.x, Filter 2.x): {conditions: [{leftValue, rightValue, operator}], combinator}. */
function Conditions(props: { value: any; onChange: Change; readOnly: boolean }) {
  const v = props.value && typeof props.value === "object" ? props.value : {};
  const rows: any[] = Array.isArray(v.conditions) ? v.conditions : [];
  const put = (patch: Record<string, any>) =>
    props.onChange({ options: { caseSensitive: true, leftValue: "", typeValidation: "strict" }, combinator: "and", ...v, conditions: rows, ...patch });
  const edit = (i: number, patch: Record<string, any>) => put({ conditions: rows.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  return (
    <div className="rows" data-testid="conditions">
      {rows.map((r, i) => {
        const op = `${r.operator?.type ?? "string"}:${r.operator?.operation ?? "equals"}`;
        return (
          <div className="assignment" key={r.id ?? i}>
            <input className={isExpression(r.leftValue) ? "expr-input" : ""} placeholder="value, e.g. ={{ $json.x }}" value={typeof r.leftValue === "string" ? r.leftValue : JSON.stringify(r.leftValue ?? "")} readOnly={props.readOnly} data-testid={`condition-left-${i}`} onChange={(e) => edit(i, { leftValue: e.target.value })} />
            <select
              value={op}
              disabled={props.readOnly}
              data-testid={`condition-op-${i}`}
              onChange={(e) => {
                const [type, operation] = e.target.value.split(":");
                edit(i, { operator: UNARY.has(operation) ? { type, operation, singleValue: true } : { type, operation } });
              }}
            >
              {!OPERATORS.some(([t, o]) => `${t}:${o}` === op) && <option value={op}>{op}</option>}
              {OPERATORS.map(([t, o, text]) => (
                <option key={`${t}:${o}`} value={`${t}:${o}`}>
                  {text}
                </option>
              ))}
            </select>
            {!UNARY.has(r.operator?.operation) && (
              <input
                placeholder="compare to"
                value={typeof r.rightValue === "string" ? r.rightValue : JSON.stringify(r.rightValue ?? "")}
                readOnly={props.readOnly}
                data-testid={`condition-right-${i}`}
                onChange={(e) => {
                  const t = e.target.value;
                  edit(i, { rightValue: r.operator?.type === "number" && t.trim() !== "" && !isNaN(Number(t)) ? Number(t) : t });
                }}
              />
            )}
            {!props.readOnly && (
              <button className="ghost tiny" onClick={() => put({ conditions: rows.filter((_, j) => j !== i) })}>
                ✕
              </button>
            )}
          </div>
        );
      })}
      {rows.length > 1 && (
        <select value={v.combinator ?? "and"} disabled={props.readOnly} onChange={(e) => put({ combinator: e.target.value })}>
          <option value="and">all must match (AND)</option>
          <option value="or">any may match (OR)</option>
        </select>
      )}
      {!props.readOnly && (
        <button className="tiny" data-testid="condition-add" onClick={() => put({ conditions: [...rows, { id: rowId(), leftValue: "", rightValue: "", operator: { type: "string", operation: "equals" } }] })}>
          + Add condition
        </button>
      )}
    </div>
  );
}
