r"""Exact, order-independent sums of float64 columns, vectorised with numpy.

Floating-point addition is not associative, so summing the same draws in partitions and then
adding the partial sums generally differs in the last bits from one pass over all draws. To
make a distributed reduction bit-identical to the single-process one, both paths compute the
*exact* sum as an integer and round once at the end.

Why by hand: :func:`math.fsum` is exact but returns a rounded float (its partials cannot be
merged across processes) and runs one Python call per column; no maintained library we could
depend on offers mergeable exact sums over numpy columns. The method here is short:

each float is :math:`x = M 2^{E}` with an integer mantissa :math:`|M| < 2^{53}` (from
:func:`numpy.frexp`). Split :math:`M = H 2^{26} + L` with :math:`0 \le L < 2^{26}` and
:math:`|H| \le 2^{27}`, and add the :math:`H` and :math:`L` of equal exponent with
:func:`numpy.bincount`. Each bin sums at most :math:`2^{26}` integers below :math:`2^{27}`,
so every partial sum is an integer below :math:`2^{53}` and float64 holds it exactly, in any
order. The bins are then combined into one Python integer :math:`S` with
:math:`\sum x = S \cdot 2^{-1127}`.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from decisionkit._options import chunk_values

__all__ = ["SCALE_BITS", "exact_column_sums", "to_float"]

SCALE_BITS = 1127  # sum = S * 2**-SCALE_BITS (1074 subnormal exponent bits + 53 mantissa bits)
_OFFSET = 1074  # frexp exponents of finite float64 lie in [-1073, 1024]
_N_EXP = 2100
_SPLIT = 26
_MAX_ROWS = 1 << 26  # rows per bincount pass, so each bin stays below 2**53


def exact_column_sums(values: np.ndarray) -> list[int]:
    """Exact sums of the columns of a finite 2-D float64 array as scaled Python integers.

    Returns ``S`` with ``values[:, j].sum() == S[j] * 2**-SCALE_BITS`` exactly.
    """
    values = np.asarray(values, dtype=np.float64)
    n_rows, n_cols = values.shape
    totals = [0] * n_cols
    if n_rows == 0 or n_cols == 0:
        return totals
    step = int(min(_MAX_ROWS, chunk_values(4 * n_cols)))  # a few temporaries per value
    col_base = (np.arange(n_cols) * _N_EXP)[None, :]
    for start in range(0, n_rows, step):
        block = values[start : start + step]
        frac, exp = np.frexp(block)
        mant = (frac * 2.0**53).astype(np.int64)
        hi = mant >> _SPLIT  # floor division: mant = hi * 2**26 + lo, 0 <= lo < 2**26
        lo = mant - (hi << _SPLIT)
        idx = (col_base + (exp + _OFFSET)).ravel()
        size = n_cols * _N_EXP
        part_hi = np.bincount(idx, weights=hi.ravel().astype(np.float64), minlength=size)
        part_lo = np.bincount(idx, weights=lo.ravel().astype(np.float64), minlength=size)
        # fold this block's exact bins into Python ints (bins may not exceed 2**53 together)
        _fold(totals, part_hi, part_lo, n_cols)
    return totals


def _fold(totals: list[int], part_hi: np.ndarray, part_lo: np.ndarray, n_cols: int) -> None:
    nz = np.flatnonzero((part_hi != 0) | (part_lo != 0))
    for flat in nz.tolist():
        col, b = divmod(flat, _N_EXP)
        m = (int(part_hi[flat]) << _SPLIT) + int(part_lo[flat])
        totals[col] += m << b


def to_float(numerator: int | Fraction, denominator: int = 1) -> float:
    """``numerator * 2**-SCALE_BITS / denominator`` correctly rounded to float."""
    return float(Fraction(numerator, denominator << SCALE_BITS))
