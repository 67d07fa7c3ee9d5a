"""Array methods (JS's own plus n8n's extensions).

Only arrays the expression built itself may be modified (push, pop, splice, in-place
sort, ...); the workflow's data is never edited: on it `sort` and `reverse` return sorted
or reversed copies, and the other mutators fail with a clear message.
"""

from __future__ import annotations

import functools
import math
import random
from typing import TYPE_CHECKING, Any

from hetumind.expressions.methods._args import arg, callback, int_arg, relative_index
from hetumind.expressions.values import (
    MAX_ARRAY_LENGTH,
    MAX_STRING_LENGTH,
    UNDEFINED,
    EvalError,
    check_expansion,
    check_string,
    is_number,
    norm_number,
    same_value_zero,
    strict_eq,
    stringify,
    to_number,
    to_string,
    truthy,
)

if TYPE_CHECKING:
    from hetumind.expressions.runtime import Method, Runtime

__all__ = ["ARRAY_METHODS"]


def _map(rt: Runtime, arr: list[Any], args: list[Any]) -> list[Any]:
    fn = callback(args, "map")
    return [rt.call(fn, [v, i, arr]) for i, v in enumerate(arr)]


def _filter(rt: Runtime, arr: list[Any], args: list[Any]) -> list[Any]:
    fn = callback(args, "filter")
    return [v for i, v in enumerate(arr) if truthy(rt.call(fn, [v, i, arr]))]


def _find_index(rt: Runtime, arr: list[Any], args: list[Any], reverse: bool = False) -> int:
    fn = callback(args, "find")
    indexes = range(len(arr) - 1, -1, -1) if reverse else range(len(arr))
    for i in indexes:
        if truthy(rt.call(fn, [arr[i], i, arr])):
            return i
    return -1


def _find(rt: Runtime, arr: list[Any], args: list[Any], reverse: bool = False) -> Any:
    i = _find_index(rt, arr, args, reverse)
    return arr[i] if i >= 0 else UNDEFINED


def _some(rt: Runtime, arr: list[Any], args: list[Any]) -> bool:
    fn = callback(args, "some")
    return any(truthy(rt.call(fn, [v, i, arr])) for i, v in enumerate(arr))


def _every(rt: Runtime, arr: list[Any], args: list[Any]) -> bool:
    fn = callback(args, "every")
    return all(truthy(rt.call(fn, [v, i, arr])) for i, v in enumerate(arr))


def _reduce(rt: Runtime, arr: list[Any], args: list[Any], right: bool = False) -> Any:
    fn = callback(args, "reduce")
    indexes = list(range(len(arr)))
    if right:
        indexes.reverse()
    if len(args) >= 2:
        acc = args[1]
    elif not arr:
        raise EvalError("Reduce of empty array with no initial value")
    else:
        acc = arr[indexes.pop(0)]
    for i in indexes:
        acc = rt.call(fn, [acc, arr[i], i, arr])
    return acc


def _for_each(rt: Runtime, arr: list[Any], args: list[Any]) -> Any:
    fn = callback(args, "forEach")
    for i, v in enumerate(arr):
        rt.call(fn, [v, i, arr])
    return UNDEFINED


def _index_of(arr: list[Any], args: list[Any]) -> int:
    target = arg(args, 0)
    start = relative_index(int_arg(args, 1, 0), len(arr))
    for i in range(start, len(arr)):
        if strict_eq(arr[i], target):
            return i
    return -1


def _last_index_of(arr: list[Any], args: list[Any]) -> int:
    target = arg(args, 0)
    for i in range(len(arr) - 1, -1, -1):
        if strict_eq(arr[i], target):
            return i
    return -1


def _join(rt: Runtime, arr: list[Any], args: list[Any]) -> str:
    sep = "," if arg(args, 0) is UNDEFINED else to_string(arg(args, 0))
    rt.tick(len(arr) >> 8)
    # Count the output before building it: `[x].concat(...).join(big)` must fail up front.
    if len(sep) * max(len(arr) - 1, 0) > MAX_STRING_LENGTH:
        raise EvalError("RangeError: Invalid string length")
    parts: list[str] = []
    size = 0
    for v in arr:
        p = "" if v is None or v is UNDEFINED else to_string(v)
        size += len(p) + len(sep)
        if size > MAX_STRING_LENGTH + len(sep):
            raise EvalError("RangeError: Invalid string length")
        parts.append(p)
    return check_string(sep.join(parts))


def _slice(arr: list[Any], args: list[Any]) -> list[Any]:
    n = len(arr)
    return arr[relative_index(int_arg(args, 0, 0), n) : relative_index(int_arg(args, 1, n), n)]


def _concat(arr: list[Any], args: list[Any]) -> list[Any]:
    out = list(arr)
    for a in args:
        if type(a) is list:
            out.extend(a)
        else:
            out.append(a)
    if len(out) > MAX_ARRAY_LENGTH:
        raise EvalError("Invalid array length")
    return out


def _default_order(a: Any, b: Any) -> int:
    if a is UNDEFINED or b is UNDEFINED:
        return (a is UNDEFINED) - (b is UNDEFINED)
    sa, sb = to_string(a), to_string(b)
    return (sa > sb) - (sa < sb)


def _in_place(rt: Runtime, arr: list[Any], result: list[Any]) -> list[Any]:
    """JS reorders the receiver; we do that only for arrays the expression owns."""
    if id(arr) in rt.owned:
        arr[:] = result
        return arr
    return rt.own(result)


def _sort_in_place(rt: Runtime, arr: list[Any], args: list[Any]) -> list[Any]:
    return _in_place(rt, arr, _sort(rt, arr, args))


def _sort(rt: Runtime, arr: list[Any], args: list[Any]) -> list[Any]:
    fn = arg(args, 0)
    rt.tick(len(arr) >> 6)
    if fn is UNDEFINED:
        return sorted(arr, key=functools.cmp_to_key(_default_order))

    def compare(a: Any, b: Any) -> int:
        if a is UNDEFINED or b is UNDEFINED:
            return (a is UNDEFINED) - (b is UNDEFINED)
        r = to_number(rt.call(fn, [a, b]))
        return 0 if r != r or r == 0 else (1 if r > 0 else -1)

    return sorted(arr, key=functools.cmp_to_key(compare))


def _flat(arr: list[Any], depth: int, rt: Runtime | None = None) -> list[Any]:
    # Measured first: flattening a shared graph (`a = [a, a]`, 40 times) is refused
    # instead of expanded; then flattened iteratively (depth may be Infinity).
    extra = check_expansion(arr, "flattened array")
    if rt is not None:
        rt.tick((extra >> 3) + (len(arr) >> 8))
    out: list[Any] = []
    stack: list[tuple[list[Any], int, int]] = [(arr, 0, depth)]
    while stack:
        cur, i, d = stack.pop()
        while i < len(cur):
            v = cur[i]
            i += 1
            if type(v) is list and d > 0:
                stack.append((cur, i, d))
                stack.append((v, 0, d - 1))
                break
            out.append(v)
            if len(out) > MAX_ARRAY_LENGTH:
                raise EvalError("RangeError: Invalid array length")
    return out


def _flat_map(rt: Runtime, arr: list[Any], args: list[Any]) -> list[Any]:
    return _flat(_map(rt, arr, args), 1, rt)


def _at(arr: list[Any], args: list[Any]) -> Any:
    i = int_arg(args, 0, 0)
    i = i + len(arr) if i < 0 else i
    return arr[i] if 0 <= i < len(arr) else UNDEFINED


def _key(v: Any) -> str:
    """A deep-equality key: n8n compares with lodash isEqual."""
    s = stringify(v)
    return "undefined" if s is UNDEFINED else f"{type(v).__name__}:{s}"


def _unique(rt: Runtime, arr: list[Any], args: list[Any]) -> list[Any]:
    fields = [to_string(f) for f in args]
    seen: set[str] = set()
    out = []
    # Paid up front (16 elements a step), so a 4M-element unique() is refused, not run.
    rt.tick(len(arr) >> 4)
    for v in arr:
        by_fields = fields and type(v) is dict
        key = _key([v.get(f, UNDEFINED) for f in fields]) if by_fields else _key(v)
        if len(key) > 1024:
            rt.tick(len(key) >> 10)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def _numbers(arr: list[Any], name: str) -> list[float | int]:
    nums = []
    for v in arr:
        n = to_number(v)
        if n != n and type(v) is not float:
            raise EvalError(f"{name}(): all array elements must be numbers")
        nums.append(n)
    return nums


def _sum(arr: list[Any]) -> float | int:
    return norm_number(math.fsum(_numbers(arr, "sum"))) if arr else 0


def _extreme(arr: list[Any], pick_max: bool) -> Any:
    nums = _numbers(arr, "max" if pick_max else "min")
    if not nums:
        return -math.inf if pick_max else math.inf
    if any(n != n for n in nums):
        return math.nan
    return max(nums) if pick_max else min(nums)


def _average(arr: list[Any]) -> float | int:
    return norm_number(_sum(arr) / len(arr)) if arr else 0


def _compact(arr: list[Any]) -> list[Any]:
    return [v for v in arr if v is not None and v is not UNDEFINED and v != ""]


def _chunk(arr: list[Any], args: list[Any]) -> list[Any]:
    size = int_arg(args, 0, 1)
    if size < 1:
        raise EvalError("chunk(): size must be at least 1")
    return [arr[i : i + size] for i in range(0, len(arr), size)]


def _pluck(arr: list[Any], args: list[Any]) -> list[Any]:
    # As n8n: the values of the named fields in the object's own key order, a lone value
    # unwrapped, objects without any of the fields skipped.
    fields = [to_string(f) for f in args]
    if not fields:
        return list(arr)
    out = []
    for v in arr:
        if type(v) is not dict:
            continue
        picked = [v[k] for k in v for f in fields if f == k]
        if picked:
            out.append(picked[0] if len(picked) == 1 else picked)
    return out


def _rename_keys(arr: list[Any], args: list[Any]) -> list[Any]:
    if not args or len(args) % 2:
        raise EvalError("renameKeys(): expected an even amount of args: from1, to1 [, from2, "
                        'to2, ...]. e.g. .renameKeys("name", "title")')  # fmt: skip
    out = []
    for v in arr:
        if type(v) is not dict:
            out.append(v)
            continue
        new = dict(v)
        for i in range(0, len(args), 2):
            old, to = to_string(args[i]), to_string(args[i + 1])
            if old in new:
                value = new.pop(old)
                new[to] = value
        out.append(new)
    return out


def _difference(rt: Runtime, arr: list[Any], args: list[Any]) -> list[Any]:
    rt.tick((len(arr) + len(_list_arg(args, "difference"))) >> 4)
    other = {_key(v) for v in _list_arg(args, "difference")}
    return [v for v in arr if _key(v) not in other]


def _intersection(rt: Runtime, arr: list[Any], args: list[Any]) -> list[Any]:
    rt.tick((len(arr) + len(_list_arg(args, "intersection"))) >> 4)
    other = {_key(v) for v in _list_arg(args, "intersection")}
    return _unique(rt, [v for v in arr if _key(v) in other], [])


def _union(rt: Runtime, arr: list[Any], args: list[Any]) -> list[Any]:
    return _unique(rt, arr + _list_arg(args, "union"), [])


def _list_arg(args: list[Any], name: str) -> list[Any]:
    v = arg(args, 0)
    if type(v) is not list:
        raise EvalError(f"{name}(): argument must be an array")
    return v


def _smart_join(arr: list[Any], args: list[Any]) -> dict[str, Any]:
    key_arg, value_arg = arg(args, 0), arg(args, 1)
    if type(key_arg) is not str or type(value_arg) is not str or not key_arg or not value_arg:
        raise EvalError('smartJoin(): expected two string args, e.g. .smartJoin("name", "value")')
    key_field, value_field = key_arg, value_arg
    out: dict[str, Any] = {}
    for v in arr:
        if type(v) is dict and key_field in v:
            out[to_string(v[key_field])] = v.get(value_field, UNDEFINED)
    return out


def _merge(arr: list[Any], args: list[Any]) -> dict[str, Any]:
    """n8n: without an argument, all objects merged (first wins); with an array, each
    object merged with the one at the same index of the argument (the receiver's wins)."""
    out: dict[str, Any] = {}
    if not args or arg(args, 0) is UNDEFINED:
        for v in arr:
            if type(v) is dict:
                for k, e in v.items():
                    out.setdefault(k, e)
        return out
    others = arg(args, 0)
    if type(others) is not list:
        raise EvalError("merge(): expected array arg, e.g. .merge([{ id: 1, otherValue: 3 }])")
    for i in range(max(len(arr), len(others))):
        mine = arr[i] if i < len(arr) else UNDEFINED
        theirs = others[i] if i < len(others) else UNDEFINED
        if type(mine) is dict and type(theirs) is dict:
            pair = dict(mine)
            for k, e in theirs.items():
                pair.setdefault(k, e)
            out.update(pair)
    return out


def _includes(arr: list[Any], args: list[Any]) -> bool:
    target = arg(args, 0)
    start = relative_index(int_arg(args, 1, 0), len(arr))
    return any(same_value_zero(v, target) for v in arr[start:])


def _grow(rt: Runtime, arr: list[Any], extra: int) -> None:
    rt.check_writable(arr)
    if len(arr) + extra > MAX_ARRAY_LENGTH:
        raise EvalError("RangeError: Invalid array length")
    rt.tick(extra >> 8)


def _push(rt: Runtime, arr: list[Any], args: list[Any]) -> int:
    _grow(rt, arr, len(args))
    arr.extend(args)
    return len(arr)


def _unshift(rt: Runtime, arr: list[Any], args: list[Any]) -> int:
    _grow(rt, arr, len(args))
    rt.tick(len(arr) >> 8)
    arr[:0] = args
    return len(arr)


def _pop(rt: Runtime, arr: list[Any], args: list[Any]) -> Any:
    rt.check_writable(arr)
    return arr.pop() if arr else UNDEFINED


def _shift(rt: Runtime, arr: list[Any], args: list[Any]) -> Any:
    rt.check_writable(arr)
    rt.tick(len(arr) >> 8)
    return arr.pop(0) if arr else UNDEFINED


def _splice(rt: Runtime, arr: list[Any], args: list[Any]) -> list[Any]:
    n = len(arr)
    start = relative_index(int_arg(args, 0, 0), n)
    count = n - start if len(args) < 2 else max(0, min(int_arg(args, 1, 0), n - start))
    items = args[2:]
    _grow(rt, arr, max(len(items) - count, 0))
    removed = arr[start : start + count]
    arr[start : start + count] = items
    return rt.own(removed)


def _fill(rt: Runtime, arr: list[Any], args: list[Any]) -> list[Any]:
    rt.check_writable(arr)
    n = len(arr)
    start = relative_index(int_arg(args, 1, 0), n)
    end = relative_index(int_arg(args, 2, n), n)
    value = arg(args, 0)
    rt.tick(max(end - start, 0) >> 8)
    arr[start:end] = [value] * max(end - start, 0)
    return arr


ARRAY_METHODS: dict[str, Method] = {
    "map": _map,
    "filter": _filter,
    "find": _find,
    "findIndex": _find_index,
    "findLast": lambda rt, arr, a: _find(rt, arr, a, True),
    "findLastIndex": lambda rt, arr, a: _find_index(rt, arr, a, True),
    "some": _some,
    "every": _every,
    "reduce": _reduce,
    "reduceRight": lambda rt, arr, a: _reduce(rt, arr, a, True),
    "forEach": _for_each,
    "includes": lambda rt, arr, a: _includes(arr, a),
    "indexOf": lambda rt, arr, a: _index_of(arr, a),
    "lastIndexOf": lambda rt, arr, a: _last_index_of(arr, a),
    "join": _join,
    "slice": lambda rt, arr, a: _slice(arr, a),
    "concat": lambda rt, arr, a: _concat(arr, a),
    "reverse": lambda rt, arr, a: _in_place(rt, arr, arr[::-1]),
    "toReversed": lambda rt, arr, a: arr[::-1],
    "sort": _sort_in_place,
    "toSorted": _sort,
    "flat": lambda rt, arr, a: _flat(arr, int_arg(a, 0, 1), rt),
    "flatMap": _flat_map,
    "at": lambda rt, arr, a: _at(arr, a),
    "keys": lambda rt, arr, a: list(range(len(arr))),
    "values": lambda rt, arr, a: list(arr),
    "entries": lambda rt, arr, a: [[i, v] for i, v in enumerate(arr)],
    "toString": lambda rt, arr, a: to_string(arr),
    "push": _push,
    "pop": _pop,
    "shift": _shift,
    "unshift": _unshift,
    "splice": _splice,
    "fill": _fill,
    # n8n extensions
    "first": lambda rt, arr, a: arr[0] if arr else UNDEFINED,
    "last": lambda rt, arr, a: arr[-1] if arr else UNDEFINED,
    "isEmpty": lambda rt, arr, a: not arr,
    "isNotEmpty": lambda rt, arr, a: bool(arr),
    "unique": lambda rt, arr, a: _unique(rt, arr, a),
    "removeDuplicates": lambda rt, arr, a: _unique(rt, arr, a),
    "sum": lambda rt, arr, a: _sum(arr),
    "max": lambda rt, arr, a: _extreme(arr, True),
    "min": lambda rt, arr, a: _extreme(arr, False),
    "average": lambda rt, arr, a: _average(arr),
    "compact": lambda rt, arr, a: _compact(arr),
    "chunk": lambda rt, arr, a: _chunk(arr, a),
    "pluck": lambda rt, arr, a: _pluck(arr, a),
    "randomItem": lambda rt, arr, a: random.choice(arr) if arr else UNDEFINED,
    "difference": lambda rt, arr, a: _difference(rt, arr, a),
    "intersection": lambda rt, arr, a: _intersection(rt, arr, a),
    "union": lambda rt, arr, a: _union(rt, arr, a),
    "renameKeys": lambda rt, arr, a: _rename_keys(arr, a),
    # n8n lists these conversions for arrays and objects; they answer undefined.
    "toInt": lambda rt, arr, a: UNDEFINED,
    "toFloat": lambda rt, arr, a: UNDEFINED,
    "toBoolean": lambda rt, arr, a: UNDEFINED,
    "toDateTime": lambda rt, arr, a: UNDEFINED,
    "merge": lambda rt, arr, a: _merge(arr, a),
    "smartJoin": lambda rt, arr, a: _smart_join(arr, a),
    "append": lambda rt, arr, a: _concat(arr, [list(a)]),
    "toJsonString": lambda rt, arr, a: stringify(arr),
    "isNumeric": lambda rt, arr, a: all(is_number(v) for v in arr),
}
