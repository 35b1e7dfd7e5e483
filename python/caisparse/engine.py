"""``caisparse.Engine``: a warm ``cais_engine`` (worker threads, OpenCL
context and compiled kernels) reused across calls."""

from __future__ import annotations

import ctypes
import logging
import os
import time
from typing import Any

from caisparse import _clib, _coreai, bridge, options
from caisparse import report as report_mod
from caisparse._program import CProgram
from caisparse.progress import ProgressBar

logger = logging.getLogger("caisparse")


def parse_device(device: str) -> tuple[int, int, int]:
    """Parse ``"auto"``, ``"cpu"``, ``"opencl"`` or ``"opencl:P.D"``.

    Parameters
    ----------
    device : str
        The device choice (the CLI's ``--device`` values).

    Returns
    -------
    tuple of int
        ``(cais_device_kind, opencl_platform, opencl_device)``; -1 means any.

    Raises
    ------
    ValueError
        For anything else.
    """
    if device == "auto":
        return _clib.DEVICE_AUTO, -1, -1
    if device == "cpu":
        return _clib.DEVICE_CPU, -1, -1
    if device == "opencl":
        return _clib.DEVICE_OPENCL, -1, -1
    if isinstance(device, str) and device.startswith("opencl:"):
        p, _, d = device[7:].partition(".")
        if p.isdigit() and d.isdigit():
            return _clib.DEVICE_OPENCL, int(p), int(d)
    raise ValueError(f"device must be 'auto', 'cpu', 'opencl' or 'opencl:P.D', got {device!r}")


class Engine(_clib.OwnedHandle):
    """A libcaisparse engine that stays warm across calls.

    Parameters
    ----------
    device : str, optional
        ``"auto"`` (default: an OpenCL GPU when one is usable, else the CPU),
        ``"cpu"``, ``"opencl"`` or ``"opencl:P.D"``.
    threads : int, optional
        CPU worker threads; 0 (default) means one per online CPU.
    progress : bool or None, optional
        Draw a progress bar on stderr; default: when stderr is a terminal.

    Examples
    --------
    >>> with caisparse.Engine(device="cpu") as engine:      # doctest: +SKIP
    ...     for program in programs:
    ...         engine.sparsify_weights(program, palettize_nbits=4, in_place=True)
    """

    def __init__(self, device: str = "auto", threads: int = 0, progress: bool | None = None) -> None:
        kind, platform, dev = parse_device(device)
        if isinstance(threads, bool) or not isinstance(threads, int) or not 0 <= threads <= 1024:
            raise ValueError(f"threads must be an integer in [0, 1024], got {threads!r}")
        self._progress = ProgressBar(enabled=progress)
        lib = _clib.load()
        config = _clib.EngineConfig()
        lib.cais_engine_config_init(ctypes.byref(config))
        config.device, config.opencl_platform, config.opencl_device = kind, platform, dev
        config.num_threads = threads
        # The callbacks must live as long as the engine.
        self._on_message = _clib.MESSAGE_FN(self._message)
        self._on_progress = _clib.PROGRESS_FN(self._progress_update)
        config.on_message = self._on_message
        config.on_progress = self._on_progress
        self._config = config
        handle = ctypes.c_void_p()
        err = _clib.Error()
        _clib.check(lib.cais_engine_create(ctypes.byref(config), ctypes.byref(handle),
                                           ctypes.byref(err)), err)
        self._handle = handle
        self.last_report: report_mod.Report | None = None

    @staticmethod
    def _message(_user: Any, severity: int, subject: bytes | None, text: bytes | None) -> None:
        msg = (text or b"").decode("utf-8", "replace")
        who = (subject or b"").decode("utf-8", "replace")
        line = f"{who}: {msg}" if who else msg
        if severity == _clib.SEVERITY_WARNING:
            logger.warning("%s", line)
        else:
            logger.info("%s", line)

    def _progress_update(self, _user: Any, p: Any) -> None:
        p = p.contents
        self._progress.update(p.weights_done, p.weights_total, p.bytes_done, p.bytes_total,
                              p.seconds_elapsed)

    @property
    def device_name(self) -> str:
        """The device the engine computes on, e.g. ``"CPU (2 threads)"``."""
        return _clib.load().cais_engine_device_name(self._require()).decode()

    def _require(self) -> ctypes.c_void_p:
        if not self._handle:
            raise ValueError("the engine is closed")
        return self._handle

    def sparsify_program(self, program: CProgram, params: options.Parameters
                         ) -> tuple[CProgram, ctypes.c_void_p]:
        """Sparsify a program the C library holds, in place.

        Parameters
        ----------
        program : CProgram
            The program; changed in place.
        params : options.Parameters
            Checked parameters (``caisparse.options.validate``).

        Returns
        -------
        tuple of (CProgram, ctypes.c_void_p)
            The program and the ``cais_report *`` (the caller destroys it).
        """
        lib = _clib.load()
        c_options, keep = params.to_c()
        result = ctypes.c_void_p()
        rep = ctypes.c_void_p()
        err = _clib.Error()
        try:
            status = lib.cais_engine_sparsify(self._require(), program.handle,
                                              ctypes.byref(c_options), ctypes.byref(result),
                                              ctypes.byref(rep), ctypes.byref(err))
        finally:
            self._progress.finish()
        del keep
        _clib.check(status, err)
        return program, rep

    def sparsify_weights(self, coreai_program: Any, target_sparsity: float | None = 0.5,
                         block_size: int | None = None, n_m_ratio: tuple[int, int] | None = None,
                         quantize_dtype: Any = None, palettize_nbits: int | None = None,
                         weight_num_threshold: int = 1024, in_place: bool = False, *,
                         report: Any = None) -> Any:
        """Sparsify the weights of a Core AI program with this engine.

        Parameters
        ----------
        coreai_program, target_sparsity, block_size, n_m_ratio, quantize_dtype, \
palettize_nbits, weight_num_threshold, in_place
            As ``caisparse.sparsify_weights``.
        report : str, os.PathLike or callable, optional
            As ``caisparse.sparsify_weights``.

        Returns
        -------
        coreai.authoring.AIProgram
            The sparsified program (``coreai_program`` itself when ``in_place``).
        """
        params = options.validate(target_sparsity, block_size, n_m_ratio, quantize_dtype,
                                  palettize_nbits, weight_num_threshold, in_place)
        core = _coreai.require()
        module = _mlir_module_of(coreai_program, core)
        timings = bridge.Timings()
        start = time.perf_counter()
        program, lmap = bridge.module_to_program(module, core, timings)
        with program:
            t = time.perf_counter()
            _, rep = self.sparsify_program(program, params)
            timings.add("c_sparsify", t)
            try:
                new_module = bridge.program_to_module(program, lmap, module.context, core,
                                                     timings, close_program=True)
                if params.in_place:
                    t = time.perf_counter()
                    bridge.replace_module_body(module, new_module, core)
                    timings.add("replace", t)
                    result = coreai_program
                else:
                    result = core.AIProgram._from_mlir_module(new_module)
                timings["total"] = time.perf_counter() - start
                self.last_report = report_mod.from_c(rep, timings)
            finally:
                _clib.load().cais_report_destroy(rep)
        _deliver(self.last_report, report)
        return result

    def _release(self, handle: ctypes.c_void_p) -> None:
        """Release the engine (threads, device context)."""
        _clib.load().cais_engine_destroy(handle)


def _mlir_module_of(coreai_program: Any, core: Any) -> Any:
    if not isinstance(coreai_program, core.AIProgram):
        raise TypeError(f"coreai_program must be a coreai.authoring.AIProgram, got "
                        f"{type(coreai_program).__name__}")
    return coreai_program._module._mlir_module  # noqa: SLF001


def _deliver(rep: report_mod.Report, sink: Any) -> None:
    if sink is None:
        return
    if callable(sink):
        sink(rep)
    elif isinstance(sink, (str, os.PathLike)):
        rep.write_json(sink)
    else:
        raise TypeError("report must be a path, a callable or None")
