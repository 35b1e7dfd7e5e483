"""``caisparse.sparsify_weights``: the drop-in for
``coreai_opt.coreai_utils.sparsify_weights``."""

from __future__ import annotations

from typing import Any

from caisparse import options
from caisparse.engine import Engine


def sparsify_weights(coreai_program: Any, target_sparsity: float | None = 0.5,
                     block_size: int | None = None, n_m_ratio: tuple[int, int] | None = None,
                     quantize_dtype: Any = None, palettize_nbits: int | None = None,
                     weight_num_threshold: int = 1024, in_place: bool = False, *,
                     device: str = "auto", threads: int = 0, report: Any = None) -> Any:
    """Sparsify weights in a Core AI AIProgram (MLIR<CoreAI> IR) by using Core AI ops.

    A drop-in for ``coreai_opt.coreai_utils.sparsify_weights`` (same
    positional parameters, defaults, errors and op chains), computed by
    libcaisparse.  Each eligible ``coreai.constant`` is pruned and replaced by
    an op chain that rebuilds the dense weight; every other op keeps its
    location, and the chain's ops take the replaced constant's location.

    Parameters
    ----------
    coreai_program : coreai.authoring.AIProgram
        The model to be sparsified.
    target_sparsity : float or None, optional
        Fraction in ``[0, 1]`` of each weight to prune: the ``floor(size *
        target_sparsity)`` lowest ``|w|`` become zero.  Mutually exclusive with
        ``n_m_ratio``.  Default 0.5.
    block_size : int or None, optional
        Block sparsity along the output channels, blocks of this length (> 1).
    n_m_ratio : tuple of (int, int) or None, optional
        ``(n, m)``: prune the ``n`` lowest of every ``m`` along the input channels.
    quantize_dtype : DType, str or None, optional
        Quantize the surviving values: ``coreai_opt.coreai_utils.DType.INT8``,
        ``UINT8``, ``FP8_E4M3FN``, ``FP8_E5M2`` or their names (``"int8"``, ...).
    palettize_nbits : int or None, optional
        Palettize the surviving values with ``2**palettize_nbits`` k-means
        centroids; one of 1, 2, 3, 4, 6, 8.
    weight_num_threshold : int, optional
        Only weights with more elements than this are compressed (default 1024).
    in_place : bool, optional
        False (default): ``coreai_program`` is untouched and a new AIProgram is
        returned.  True: ``coreai_program`` itself is changed and returned.
    device : str, optional
        ``"auto"``, ``"cpu"``, ``"opencl"`` or ``"opencl:P.D"`` (keyword only).
    threads : int, optional
        CPU threads; 0 means one per core (keyword only).
    report : str, os.PathLike or callable, optional
        Where the ``caisparse.Report`` goes: a path receives it as JSON, a
        callable is called with it (keyword only).

    Returns
    -------
    coreai.authoring.AIProgram
        The sparsified program.

    Raises
    ------
    ValueError
        For a bad parameter, with upstream's message, before anything is touched.
    caisparse.CoreAIMissingError
        When coreai-core is not installed.
    """
    options.validate(target_sparsity, block_size, n_m_ratio, quantize_dtype, palettize_nbits,
                     weight_num_threshold, in_place)
    with Engine(device=device, threads=threads) as engine:
        return engine.sparsify_weights(coreai_program, target_sparsity, block_size, n_m_ratio,
                                       quantize_dtype, palettize_nbits, weight_num_threshold,
                                       in_place, report=report)
