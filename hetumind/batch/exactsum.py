"""Exact float sums per group that combine across blocks: the two-phase float sum.

Every finite double is an integer times a power of two: ``m * 2**(e - 1075)`` with ``m``
the 53-bit significand and ``e`` the biased exponent, read from its bits. A block splits
each ``m`` into a high and a low part (both under 2**27 in magnitude), adds them per
(group, exponent) (exact: the partial sums stay integers under 2**53), and folds those few
sums into one Python int per group: an exact ``N * 2**E``. Combining blocks adds the ints,
so the total is exact however the rows were cut into blocks; it is rounded to a double
once, at the end (Python's int true division is correctly rounded). NaN and infinities are
counted apart, as IEEE addition treats them.

This is the exactly rounded sum of the values. A single run adds left to right (n8n's
``total += value``), which rounds at every step; the two agree whenever no step rounds and
otherwise differ by at most the sequential sum's own error (docs/batch.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


_BINS = 1 << 22
"""Above groups x 4096 (sign, exponent) bins of this many, per-bin sums use a hash
group-by instead of numpy's bincount."""
_CHUNK = 1 << 25
"""Rows summed at once: float64 bincount sums of parts under 2**27 stay exact below 2**53."""


def block_sums(codes: np.ndarray, groups: int, column: pa.ChunkedArray) -> list[ExactSum]:
    """The exact sum of `column`'s non-null values per group code (0 .. groups-1)."""
    out = [ExactSum() for _ in range(groups)]
    if not len(column):
        return out
    values = np.asarray(pc.fill_null(column, 0.0).cast(pa.float64()).combine_chunks())
    for start in range(0, len(values), _CHUNK):
        _add_chunk(out, codes[start : start + _CHUNK], values[start : start + _CHUNK], groups)
    return out


def _add_chunk(out: list[ExactSum], codes: np.ndarray, values: np.ndarray, groups: int) -> None:
    # Read the IEEE fields straight from the bits: |value| = m * 2**(max(biased, 1) - 1075)
    # with m = fraction | 2**52 for normal numbers, the bare fraction for zeros and
    # subnormals (biased 0). The top 12 bits (sign, biased exponent) pick the bin, so the
    # magnitudes are added per sign and exponent and the sign is applied per bin.
    bits = values.view(np.int64)
    top = (bits >> 52) & 0xFFF
    biased = top & 0x7FF
    fraction = bits & ((1 << 52) - 1)
    m = fraction | (1 << 52)
    low = biased == 0
    if low.any():
        m[low] = fraction[low]
    special = biased == 0x7FF
    if special.any():
        nan = special & (fraction != 0)
        for name, mask in (
            ("nan", nan),
            ("pinf", special & ~nan & (bits > 0)),
            ("ninf", special & ~nan & (bits < 0)),
        ):
            if mask.any():
                for g, c in enumerate(np.bincount(codes[mask], minlength=groups).tolist()):
                    setattr(out[g], name, getattr(out[g], name) + c)
        m[special] = 0
    hi = (m >> _LOW_BITS).astype(np.float64)
    lo = (m & ((1 << _LOW_BITS) - 1)).astype(np.float64)
    rows: Any
    if groups * 4096 <= _BINS:
        key = codes * 4096 + top
        his = np.bincount(key, weights=hi, minlength=groups * 4096)
        los = np.bincount(key, weights=lo, minlength=groups * 4096)
        used = np.flatnonzero((his != 0) | (los != 0))
        rows = zip(
            (used // 4096).tolist(),
            (used % 4096).tolist(),
            his[used].astype(np.int64).tolist(),
            los[used].astype(np.int64).tolist(),
            strict=True,
        )
    else:
        table = pa.table(
            {
                "g": pa.array(codes),
                "x": pa.array(top),
                "hi": pa.array(hi.astype(np.int64)),
                "lo": pa.array(lo.astype(np.int64)),
            }
        )
        sums = table.group_by(["g", "x"], use_threads=False).aggregate(
            [("hi", "sum"), ("lo", "sum")]
        )
        rows = zip(
            sums.column("g").to_pylist(),
            sums.column("x").to_pylist(),
            sums.column("hi_sum").to_pylist(),
            sums.column("lo_sum").to_pylist(),
            strict=True,
        )
    for g, t, h, lo_sum in rows:
        magnitude = (int(h) << _LOW_BITS) + int(lo_sum)
        out[g].add(ExactSum(-magnitude if t & 0x800 else magnitude, max(t & 0x7FF, 1) - 1075))
