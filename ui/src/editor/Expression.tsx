// A parameter value that starts with "=" is an n8n expression: its {{ }} parts are shown
// highlighted under the input.
export function isExpression(v: unknown): v is string {
  return typeof v === "string" && v.startsWith("=");
}

export function ExpressionPreview({ value }: { value: string }) {
  const body = value.slice(1);
  const parts: { text: string; expr: boolean }[] = [];
  const re = /\{\{[\s\S]*?\}\}/g;
  let last = 0;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    if (m.index > last) parts.push({ text: body.slice(last, m.index), expr: false });
    parts.push({ text: m[0], expr: true });
    last = m.index + m[0].length;
  }
  if (last < body.length) parts.push({ text: body.slice(last), expr: false });
  return (
    <div className="expr-preview" data-testid="expression-preview">
      <span className="fx">fx</span>
      {parts.map((p, i) =>
        p.expr ? (
          <mark key={i} className="expr">
            {p.text}
          </mark>
        ) : (
          <span key={i}>{p.text}</span>
        ),
      )}
    </div>
  );
}
