"""The Python side of a Code node run: a CPython (WASI) program that wraps the user's code.

The payload arrives on stdin as JSON. Objects become `JsObject`s, dicts whose keys are also
attributes, so `item.json.name` reads as in n8n's Python. The user's code becomes the body
of a function (n8n code ends with `return`): its lines are indented, except those inside
multi-line strings, so line numbers stay the user's own minus one.
"""

from __future__ import annotations

__all__ = ["PY_ARGV"]

PRELUDE = r'''
import builtins as _builtins
import gc as _gc
import io as _io
import _json
import marshal as _marshal
import sys as _sys

def __hetumind_run():
    # CPython's cyclic collector rescans every container each few hundred allocations:
    # building 100,000 items with it on costs several times the building itself. It is
    # off while the prelude builds and encodes, and runs rarely during the user's code.
    _gc.disable()
    # The host sends marshal (C-speed, no `json` import: that alone costs ~0.1 s here) or,
    # for values marshal cannot carry, JSON. Results go back as JSON, encoded by the C
    # encoder directly: the host never unmarshals what the guest wrote.
    raw = _sys.stdin.buffer.read()
    if raw[:1] == b"M":
        payload = _marshal.loads(raw[1:])
    else:
        import json as _jsonlib
        payload = _jsonlib.loads(raw[1:].decode("utf-8"))
    del raw
    encode_json = _json.make_encoder(
        {}, str, _json.encode_basestring, None, ":", ",", False, False, True)
    encode_log = _json.make_encoder(
        {}, str, _json.encode_basestring_ascii, None, ": ", ", ", False, False, True)
    nonce = payload.pop("nonce")
    out = _sys.stdout
    logs = []

    class JsObject(dict):
        """A dict whose keys read and write as attributes too (n8n's `item.json.name`)."""
        __slots__ = ()
        # Scalars are returned without the call to wrap(): these two run for every field
        # the code reads.
        def __getattr__(self, name):
            try:
                value = dict.__getitem__(self, name)
            except KeyError:
                raise AttributeError(name) from None
            kind = type(value)
            return wrap(self, name, value) if kind is dict or kind is list else value
        def __getitem__(self, name):
            value = dict.__getitem__(self, name)
            kind = type(value)
            return wrap(self, name, value) if kind is dict or kind is list else value
        def get(self, name, default=None):
            return wrap(self, name, dict.__getitem__(self, name)) if name in self else default
        def __setattr__(self, name, value):
            self[name] = value
        def __delattr__(self, name):
            try:
                del self[name]
            except KeyError:
                raise AttributeError(name) from None
        def to_py(self):
            return self

    def wrap(container, key, value):
        # Nested objects become JsObjects when first read, in place, so that writes
        # through them (`_json.address.city = 1`) land in the item itself.
        if type(value) is dict:
            value = JsObject(value)
            dict.__setitem__(container, key, value)
        elif type(value) is list:
            for i, v in enumerate(value):
                if type(v) is dict:
                    value[i] = JsObject(v)
        return value

    def convert(value):
        if type(value) is dict:
            return JsObject(value)
        if type(value) is list:
            return [JsObject(v) if type(v) is dict else v for v in value]
        return value

    def fmt(value):
        if isinstance(value, str):
            return value
        try:
            return "".join(encode_log(value, 0))
        except Exception:
            return repr(value)

    # Logs stay in guest memory until the end: cap them (sticky, as user code may catch
    # the exception) so a print loop fails as "output too large".
    budget = [payload.get("maxOutputBytes", 1 << 20), False]

    def user_print(*args, sep=" ", end="\n", file=None, flush=False):
        line = str(sep).join(fmt(a) for a in args)
        budget[0] -= len(line) + 16
        if budget[0] < 0:
            budget[1] = True
            raise RuntimeError("output limit reached")
        logs.append(line)

    _builtins.print = user_print
    _sys.stdout = _io.StringIO()
    _sys.stderr = _io.StringIO()

    static_used = []  # keys of $getWorkflowStaticData the code asked for
    custom = dict(payload.get("customData") or {})  # $execution.customData so far

    def emit(obj):
        if static_used:
            obj["staticData"] = static
        if custom:
            obj["customData"] = custom
        if budget[1]:
            obj = {"ok": False, "error": {"message": "logs", "line": None, "kind": "output"}}
        out.write(nonce + "".join(encode_json(obj, 0)) + "\n")
        out.flush()

    def error_info(exc):
        line = None
        if isinstance(exc, SyntaxError) and exc.filename == "<code>":
            line = (exc.lineno or 2) - 1
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == "<code>":
                line = tb.tb_lineno - 1
            tb = tb.tb_next
        kind = "user"
        if isinstance(exc, MemoryError):
            kind = "memory"
        elif isinstance(exc, RecursionError):
            kind = "stack"
        message = str(exc) if isinstance(exc, Exception) and type(exc) is Exception else (
            f"{type(exc).__name__}: {exc}")
        if isinstance(exc, SyntaxError):
            message = f"SyntaxError: {exc.msg}"
        return {"message": message, "line": max(1, line) if line else None, "kind": kind}

    def indent(code):
        keep = set()
        if "\"\"\"" not in code and "\'\'\'" not in code and "\\\n" not in code:
            return "\n".join("    " + ln for ln in code.split("\n"))
        import tokenize as _tokenize  # only multi-line strings need it (and it is slow)

        try:
            for tok in _tokenize.generate_tokens(_io.StringIO(code).readline):
                if tok.type == _tokenize.STRING and tok.end[0] > tok.start[0]:
                    keep.update(range(tok.start[0] + 1, tok.end[0] + 1))
        except (_tokenize.TokenError, SyntaxError, IndentationError):
            pass
        lines = code.split("\n")
        return "\n".join(
            ln if (i + 1) in keep else "    " + ln for i, ln in enumerate(lines)
        )

    names = ["_input", "_json", "_itemIndex", "_runIndex", "_workflow", "_execution",
             "_vars", "_", "_items", "_item", "_node", "_prevNode", "items",
             "_getWorkflowStaticData", "_now", "_today", "_jmespath", "item", "_binary",
             "_parameter", "_getNodeParameter", "_env"]
    source = "def __user(" + ", ".join(names) + "):\n" + indent(payload["code"]) + "\n    pass\n"
    try:
        scope = {"__name__": "__code__", "__builtins__": _builtins}
        exec(compile(source, "<code>", "exec"), scope)
        fn = scope["__user"]
    except BaseException as exc:
        emit({"ok": False, "error": error_info(exc), "logs": logs})
        return

    if "cols" in payload:
        cols = payload["cols"]
        keys = cols["keys"]
        # a builder with the keys spelled out beats dict(zip(...)) per item
        args = ", ".join(f"c{i}" for i in range(len(keys)))
        fields = ", ".join(f"{k!r}: c{i}" for i, k in enumerate(keys))
        scope = {"J": JsObject}
        exec(f"def build({args}):\n    return J(json=J({{{fields}}}))\n", scope)
        items = list(map(scope["build"], *cols["values"])) if keys else []
    else:
        items = convert(payload["items"])
    current = [0]
    nodes = payload["nodes"]

    class NodeItems:
        def __init__(self, name, ref):
            self._name = name
            self._outputs = [convert(port) for port in ref["outputs"]]
            self._lineage = ref.get("lineage")
        def all(self, branch=0, run_index=None):
            return self._outputs[branch] if branch < len(self._outputs) else []
        def first(self, branch=0, run_index=None):
            a = self.all(branch)
            return a[0] if a else None
        def last(self, branch=0, run_index=None):
            a = self.all(branch)
            return a[-1] if a else None
        def _paired(self, i):
            lineage = self._lineage
            if not lineage or i >= len(lineage) or lineage[i] is None:
                raise ValueError("Paired item data is unavailable for this node")
            flat = [x for port in self._outputs for x in port]
            return flat[lineage[i]]
        def itemMatching(self, i):
            return self._paired(i)
        @property
        def item(self):
            return self._paired(current[0])
        pairedItem = itemMatching
        isExecuted = True

    cache = {}
    def node_ref(name):
        if name not in cache:
            if name not in nodes:
                raise ValueError(
                    f'Referenced node doesn\'t exist or hasn\'t been executed: "{name}"')
            cache[name] = NodeItems(name, nodes[name])
        return cache[name]

    class Input:
        def all(self, branch=0, run_index=None):
            return items
        def first(self, branch=0, run_index=None):
            return items[0] if items else None
        def last(self, branch=0, run_index=None):
            return items[-1] if items else None
        @property
        def item(self):
            return items[current[0]] if items else None
        def itemMatching(self, i):
            return items[i]
        params = JsObject()

    inp = Input()
    workflow = convert(payload["workflow"])
    execution = convert(payload["execution"])

    class CustomData:
        """n8n's $execution.customData: string keys and values, set/setAll/get/getAll."""
        def set(self, key, value):
            if not isinstance(key, str):
                raise ValueError("Custom data key must be a string")
            custom[key[:50]] = str(value)[:255]
        def setAll(self, obj):
            for k, v in dict(obj).items():
                self.set(k, v)
        def get(self, key):
            return custom.get(key)
        def getAll(self):
            return dict(custom)

    execution["customData"] = CustomData()
    import datetime as _dt

    class DateTime(_dt.datetime):
        """The workflow-zone timestamps `_now` / `_today`, with Luxon's common methods."""
        def toISO(self):
            text = self.isoformat(timespec="milliseconds")
            return text.replace("+00:00", "Z") if payload.get("zone") == "UTC" else text
        def toMillis(self):
            return int(self.timestamp() * 1000)
        def toSeconds(self):
            return self.timestamp()
        def toUnixInteger(self):
            return int(self.timestamp())
        def toString(self):
            return self.toISO()
        @property
        def zoneName(self):
            return payload.get("zone")

    zone = _dt.timezone(_dt.timedelta(minutes=payload.get("zoneOffset") or 0))
    now = _dt.datetime.now(_dt.timezone.utc).astimezone(zone)
    now = DateTime(now.year, now.month, now.day, now.hour, now.minute, now.second,
                   now.microsecond // 1000 * 1000, tzinfo=zone)
    today = DateTime(now.year, now.month, now.day, tzinfo=zone)

    def jmespath_search(data, expression):
        if "jmespath" not in _sys.modules:
            import types as _types
            for name, src in payload.get("jmespathSource") or []:
                module = _types.ModuleType(name)
                module.__package__ = "jmespath"
                if name == "jmespath":
                    module.__path__ = []
                _sys.modules[name] = module
            for name, src in payload.get("jmespathSource") or []:
                exec(compile(src, name, "exec"), _sys.modules[name].__dict__)
        import jmespath as _jp
        return _jp.search(expression, data)
    variables = convert(payload["vars"])

    static = convert(payload.get("staticData") or {})

    def get_static(kind):
        if kind not in ("global", "node"):
            raise ValueError('The type needs to be either "node" or "global"!')
        key = "global" if kind == "global" else "node:" + str(payload.get("nodeName"))
        if not isinstance(static.get(key), dict):
            static[key] = JsObject()
        static_used.append(key)
        return static[key]

    n_items = len(items)
    run_index = payload["runIndex"]

    def call(index):
        current[0] = index
        item = items[index] if index < n_items else JsObject(json=JsObject())
        return fn(inp, item["json"], index, run_index, workflow, execution,
                  variables, node_ref, all_items, item, node_proxy, prev_node, items, get_static,
                  now, today, jmespath_search, item, dict.get(item, "binary"), parameters,
                  get_parameter, env)

    class ItemList(list):
        """`_items`: the input items (pythonNative), and n8n's `$items(node, output)`."""
        __slots__ = ()
        def __call__(self, name=None, output=0, run_index=None):
            return self if name is None else node_ref(name).all(output)

    all_items = ItemList(items)
    parameters = convert(payload.get("params") or {})
    env = JsObject()

    def get_parameter(name, index=0, fallback=None):
        return parameters.get(name, fallback)

    class NodeProxy:
        """n8n's `_node["Name"]`: the first item's json of a referenced node."""
        def __getitem__(self, name):
            ref = nodes.get(name)
            if ref is None:
                return None
            first = (ref["outputs"][0] or [None])[0] if ref["outputs"] else None
            return JsObject(json=convert((first or {}).get("json")), parameter=JsObject())

    node_proxy = NodeProxy()
    prev_node = convert(payload.get("prevNode") or {})

    # captured now: user code may replace builtins (len = None) before we need them
    B_len, B_isinstance, B_type, B_list, B_any, B_dict, B_all = (
        len, isinstance, type, list, any, dict, all)

    def columnar(value):
        # same-keyed plain rows go back as columns: a fraction of the JSON work
        if B_type(value) is not B_list or B_len(value) < 64:
            return None
        first = value[0]
        if not B_isinstance(first, B_dict):
            return None
        wrapped = B_len(first) == 1 and "json" in first
        row0 = first["json"] if wrapped else first
        if not B_isinstance(row0, B_dict):
            return None
        keys = B_list(row0)
        n8n_keys = ("json", "binary", "pairedItem", "error", "index")
        if not wrapped and B_any(k in n8n_keys for k in keys):
            return None
        n = B_len(keys)
        rows = []
        try:
            for r in value:
                if wrapped:
                    if not B_isinstance(r, B_dict) or B_len(r) != 1:
                        return None
                    r = B_dict.__getitem__(r, "json")
                if not B_isinstance(r, B_dict) or B_len(r) != n:
                    return None
                rows.append(r)
            values = [[B_dict.__getitem__(r, k) for r in rows] for k in keys]
        except (KeyError, TypeError):
            return None
        return {"keys": keys, "values": values, "n": B_len(rows)}

    class Failure:
        __slots__ = ("info",)
        def __init__(self, info):
            self.info = info

    _gc.freeze()  # what the prelude built is never garbage: keep it out of collections
    _gc.set_threshold(50_000, 20, 20)
    _gc.enable()
    if payload["mode"] == "runOnceForEachItem":
        values = []  # one per item run: its value, or a Failure
        push = values.append
        keep_going = payload.get("continueOnFail")
        for i in range(n_items):
            try:
                push(call(i))
            except BaseException as exc:
                info = error_info(exc)
                push(Failure(info))
                if not keep_going or info["kind"] != "user":
                    break
        _gc.disable()
        failed = B_any(B_type(v) is Failure for v in values)
        cols = None if failed or B_len(values) != n_items else columnar(values)
        if cols:
            emit({"ok": True, "cols": cols, "logs": logs})
        else:
            results = [{"error": v.info} if B_type(v) is Failure else {"value": v}
                       for v in values]
            emit({"ok": True, "results": results, "logs": logs})
    else:
        try:
            value = call(0)
        except BaseException as exc:
            emit({"ok": False, "error": error_info(exc), "logs": logs})
            return
        _gc.disable()
        cols = columnar(value)
        emit({"ok": True, "cols": cols, "logs": logs} if cols else
             {"ok": True, "value": value, "logs": logs})

__hetumind_run()
'''

PY_ARGV = ["python", "-I", "-S", "-c", PRELUDE]
"""-I: isolated (no user site, no PYTHON* variables); -S: no site module."""
