"""Checking ``sparsify_weights``' parameters with upstream's wording and
turning them into a ``cais_options``."""

from __future__ import annotations

import ctypes
import math
import numbers
from dataclasses import dataclass
from typing import Any

from caisparse import _clib

VALID_QUANTIZE_DTYPES = ("int8", "uint8", "fp8_e4m3fn", "fp8_e5m2")
VALID_PALETTIZE_NBITS = (1, 2, 3, 4, 6, 8)
_QUANTIZE_CODE = {"int8": 1, "uint8": 2, "fp8_e4m3fn": 3, "fp8_e5m2": 4}


def quantize_dtype_name(quantize_dtype: Any) -> str | None:
    """Return the name ("int8", ...) of a ``quantize_dtype`` argument.

    Parameters
    ----------
    quantize_dtype : None, str or enum member
        ``None``, one of upstream's ``coreai_opt.coreai_utils.DType`` members
        (matched by value or name, without importing coreai_opt) or its string
        value such as ``"int8"``.

    Returns
    -------
    str or None
        The lower-case name, or None for None.  Names that are not valid
        quantize dtypes are returned too (``validate`` rejects them).
    """
    if quantize_dtype is None:
        return None
    value = getattr(quantize_dtype, "value", quantize_dtype)
    if isinstance(value, str):
        return value.lower() if value.lower() in VALID_QUANTIZE_DTYPES else value
    name = getattr(quantize_dtype, "name", None)
    if isinstance(name, str) and name.lower() in VALID_QUANTIZE_DTYPES:
        return name.lower()
    return repr(quantize_dtype)


@dataclass(frozen=True)
class Parameters:
    """``sparsify_weights``' parameters, checked."""

    target_sparsity: float | None
    block_size: int | None
    n_m_ratio: tuple[int, int] | None
    quantize_dtype: str | None
    palettize_nbits: int | None
    weight_num_threshold: int
    in_place: bool

    def to_c(self) -> tuple[_clib.Options, Any]:
        """Return the ``cais_options`` and the array it points into (keep
        both alive during the call).

        Returns
        -------
        tuple of (_clib.Options, ctypes array or None)
            The options and the n:m array.
        """
        o = _clib.Options()
        _clib.load().cais_options_init(ctypes.byref(o))
        o.target_sparsity_set = self.target_sparsity is not None
        o.target_sparsity = float(self.target_sparsity) if self.target_sparsity is not None else 0.0
        o.block_size = int(self.block_size or 0)
        keep = None
        if self.n_m_ratio is not None:
            keep = (ctypes.c_double * 2)(*map(float, self.n_m_ratio))
            o.n_m_ratio = ctypes.cast(keep, ctypes.POINTER(ctypes.c_double))
            o.n_m_ratio_len = 2
        o.quantize_dtype = _QUANTIZE_CODE.get(self.quantize_dtype, 0)
        o.palettize_nbits = int(self.palettize_nbits or 0)
        o.weight_num_threshold = int(self.weight_num_threshold)
        o.in_place = True  # the C library works on its own copy of the program anyway
        return o, keep


def validate(target_sparsity: Any = 0.5, block_size: Any = None, n_m_ratio: Any = None,
             quantize_dtype: Any = None, palettize_nbits: Any = None,
             weight_num_threshold: Any = 1024, in_place: Any = False) -> Parameters:
    """Check the parameters the way upstream ``sparsify_weights`` does.

    The checks run in upstream's order and raise with upstream's wording;
    then the checks upstream lacks (``target_sparsity`` in ``[0, 1]``,
    ``block_size`` with ``n_m_ratio``, a negative threshold) run in the C
    library's ``cais_options_validate``.

    Parameters
    ----------
    target_sparsity, block_size, n_m_ratio, quantize_dtype, palettize_nbits, \
weight_num_threshold, in_place
        As ``caisparse.sparsify_weights``.

    Returns
    -------
    Parameters
        The checked parameters (``quantize_dtype`` as its name).

    Raises
    ------
    ValueError
        For the first bad parameter, with upstream's message.
    """
    if target_sparsity is not None and n_m_ratio is not None:
        raise ValueError("`target_sparsity` and `n_m_ratio` cannot both be set.")
    if target_sparsity is None and n_m_ratio is None:
        raise ValueError("One of `target_sparsity` or `n_m_ratio` must be set.")
    if quantize_dtype is not None and palettize_nbits is not None:
        raise ValueError("`quantize_dtype` and `palettize_nbits` cannot both be set.")
    qname = quantize_dtype_name(quantize_dtype)
    if qname is not None and qname not in VALID_QUANTIZE_DTYPES:
        raise ValueError(
            f"Invalid quantize_dtype {quantize_dtype!r}. "
            f"Valid quantize dtypes: {sorted(VALID_QUANTIZE_DTYPES)}."
        )
    if palettize_nbits is not None and palettize_nbits not in VALID_PALETTIZE_NBITS:
        raise ValueError(
            f"Invalid palettize_nbits {palettize_nbits}. "
            f"Must be one of {sorted(VALID_PALETTIZE_NBITS)}."
        )
    if block_size is not None:
        if not isinstance(block_size, numbers.Integral):
            raise ValueError(f"`block_size` must be an integer, got {block_size!r}.")
        if block_size <= 1:
            raise ValueError("`block_size` must be greater than 1.")
    if n_m_ratio is not None:
        if len(n_m_ratio) != 2:
            raise ValueError(
                f"`n_m_ratio` must be a tuple of length 2, got length {len(n_m_ratio)}."
            )
        n, m = n_m_ratio
        if not isinstance(n, int) or not isinstance(m, int):
            raise ValueError(
                f"`n_m_ratio` must contain integers, got ({type(n).__name__}, {type(m).__name__})."
            )
        if m <= 0:
            raise ValueError(f"`n_m_ratio` requires m > 0, got m={m}.")
        if not (0 <= n <= m):
            raise ValueError(f"`n_m_ratio` requires 0 <= n <= m, got n={n}, m={m}.")
        n_m_ratio = (int(n), int(m))
    if target_sparsity is not None:
        if isinstance(target_sparsity, bool) or not isinstance(target_sparsity, numbers.Real):
            raise ValueError(f"`target_sparsity` must be a number in [0, 1], got {target_sparsity!r}.")
        if math.isnan(target_sparsity) or not 0.0 <= target_sparsity <= 1.0:
            raise ValueError(f"`target_sparsity` must be in [0, 1], got {target_sparsity}.")
    if not isinstance(weight_num_threshold, numbers.Integral) or isinstance(weight_num_threshold, bool):
        raise ValueError(f"`weight_num_threshold` must be an integer, got {weight_num_threshold!r}.")
    params = Parameters(
        target_sparsity=None if target_sparsity is None else float(target_sparsity),
        block_size=None if block_size is None else int(block_size),
        n_m_ratio=n_m_ratio,
        quantize_dtype=qname,
        palettize_nbits=None if palettize_nbits is None else int(palettize_nbits),
        weight_num_threshold=int(weight_num_threshold),
        in_place=bool(in_place),
    )
    c_options, keep = params.to_c()
    err = _clib.Error()
    _clib.check(_clib.load().cais_options_validate(ctypes.byref(c_options), ctypes.byref(err)), err)
    del keep
    return params
