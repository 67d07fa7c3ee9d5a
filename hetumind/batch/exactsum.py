"""Exact float sums per group that combine across blocks: the two-phase float sum.

Every finite double is an integer times a power of two: ``m * 2**(e - 53)`` with ``m`` the
53-bit significand from ``frexp``. A block splits each ``m`` into a high and a low part
(both under 2**27 in magnitude), adds them per (group, exponent) in int64 (exact for
blocks under 2**36 rows), and folds those few sums into one Python int per group: an exact
``N * 2**E``. Combining blocks adds the ints, so the total is exact however the rows were
cut into blocks; it is rounded to a double once, at the end (Python's int true division is
correctly rounded). NaN and infinities are counted apart, as IEEE addition treats them.

This is the exactly rounded sum of the values. A single run adds left to right (n8n's
``total += value``), which rounds at every step; the two agree whenever no step rounds and
otherwise differ by at most the sequential sum's own error (docs/batch.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ExactSum", "block_sums"]

_LOW_BITS = 26


@dataclass
class ExactSum:
    """The sum of a group's values so far: ``n * 2**e`` plus the non-finite counts."""

    n: int = 0
    e: int = 0
    nan: int = 0
    pinf: int = 0
    ninf: int = 0

    def add(self, other: ExactSum) -> None:
        if other.n:
            if not self.n:
                self.n, self.e = other.n, other.e
            elif other.e >= self.e:
                self.n += other.n << (other.e - self.e)
            else:
                self.n = (self.n << (self.e - other.e)) + other.n
                self.e = other.e
        self.nan += other.nan
        self.pinf += other.pinf
        self.ninf += other.ninf

    def value(self) -> float:
        """The correctly rounded sum (+0.0 when it is zero, as 0 + ... gives in JS)."""
        if self.nan or (self.pinf and self.ninf):
            return float("nan")
        if self.pinf:
            return float("inf")
        if self.ninf:
            return float("-inf")
        if not self.n:
            return 0.0
        try:
            if self.e >= 0:
                return float(self.n << self.e)
            return self.n / (1 << -self.e)
        except OverflowError:
            return float("inf") if self.n > 0 else float("-inf")

    def encode(self) -> str:
        """A compact text form for a partial's Parquet column."""
        return f"{self.n:x} {self.e} {self.nan} {self.pinf} {self.ninf}"

    @staticmethod
    def decode(text: str) -> ExactSum:
        n, e, nan, pinf, ninf = text.split(" ")
        return ExactSum(int(n, 16), int(e), int(nan), int(pinf), int(ninf))


def block_sums(codes: np.ndarray, groups: int, column: pa.ChunkedArray) -> list[ExactSum]:
    """The exact sum of `column`'s non-null values per group code (0 .. groups-1)."""
    valid = np.asarray(pc.is_valid(column).combine_chunks() if column.num_chunks else [], bool)
    values = np.asarray(
        pc.fill_null(column, 0.0).cast(pa.float64()).combine_chunks() if column.num_chunks else [],
        np.float64,
    )
    out = [ExactSum() for _ in range(groups)]
    if not len(values):
        return out
    finite = np.isfinite(values)
    for name, mask in (
        ("nan", valid & np.isnan(values)),
        ("pinf", values == np.inf),
        ("ninf", values == -np.inf),
    ):
        if mask.any():
            for g, c in enumerate(np.bincount(codes[mask], minlength=groups).tolist()):
                setattr(out[g], name, c)
    keep = finite & valid & (values != 0.0)
    if not keep.any():
        return out
    mantissa, exponent = np.frexp(values[keep])
    m = np.ldexp(mantissa, 53).astype(np.int64)
    table = pa.table(
        {
            "g": pa.array(codes[keep]),
            "x": pa.array(exponent.astype(np.int32)),
            "hi": pa.array(m >> _LOW_BITS),
            "lo": pa.array(m & ((1 << _LOW_BITS) - 1)),
        }
    )
    sums = table.group_by(["g", "x"], use_threads=False).aggregate([("hi", "sum"), ("lo", "sum")])
    for g, x, hi, lo in zip(
        sums.column("g").to_pylist(),
        sums.column("x").to_pylist(),
        sums.column("hi_sum").to_pylist(),
        sums.column("lo_sum").to_pylist(),
        strict=True,
    ):
        out[g].add(ExactSum(((hi << _LOW_BITS) + lo), x - 53))
    return out
