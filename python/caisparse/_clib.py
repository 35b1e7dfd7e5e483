"""Finding and loading ``libcaisparse.so`` and declaring its C API for ctypes.

The library is looked for, in order:

1. the file named by the environment variable ``CAIS_LIBRARY``;
2. the copy ``tools/install-python.sh`` places inside the package
   (``caisparse/_lib/libcaisparse.so``);
3. the build trees of the source checkout this package sits in
   (``build-py/host``, ``build/host``, ...), when it is used from the repository.

It is loaded with ``RTLD_LOCAL``: its MLIR 19 stays private to it, so it cannot
meet the MLIR 22 that coreai-core links statically into its Python extension.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

LIBRARY_NAME = "libcaisparse.so"
_PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT_BUILD_DIRS = ("build-py", "build")

MAX_RANK = 8

# cais_status
OK = 0
ERROR_INVALID_OPTIONS = 1
ERROR_INVALID_INPUT = 2
ERROR_IO = 3
ERROR_OUT_OF_MEMORY = 4
ERROR_DEVICE = 5
ERROR_CANCELLED = 6
ERROR_INTERNAL = 7

# cais_format
FORMAT_SAME = 0
FORMAT_TEXT = 1
FORMAT_BYTECODE = 2

# cais_device_kind
DEVICE_AUTO = 0
DEVICE_CPU = 1
DEVICE_OPENCL = 2

# cais_severity
SEVERITY_INFO = 0
SEVERITY_WARNING = 1


class OwnedHandle:
    """Base of the objects that own one C handle (a program, an engine):
    ``close`` releases it once through ``_release``, and the object is a
    context manager that closes on exit and when collected."""

    _handle = None

    def _release(self, handle: ctypes.c_void_p) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Release the handle (safe to call twice)."""
        if self._handle:
            self._release(self._handle)
            self._handle = ctypes.c_void_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


class Error(ctypes.Structure):
    """``cais_error``."""

    _fields_ = [("status", ctypes.c_int), ("message", ctypes.c_char * 1024)]

    def text(self) -> str:
        """Return the message as ``str``."""
        return self.message.decode("utf-8", "replace")


class Options(ctypes.Structure):
    """``cais_options``."""

    _fields_ = [
        ("target_sparsity_set", ctypes.c_bool),
        ("target_sparsity", ctypes.c_double),
        ("block_size", ctypes.c_int64),
        ("n_m_ratio", ctypes.POINTER(ctypes.c_double)),
        ("n_m_ratio_len", ctypes.c_size_t),
        ("quantize_dtype", ctypes.c_int),
        ("palettize_nbits", ctypes.c_int),
        ("weight_num_threshold", ctypes.c_int64),
        ("in_place", ctypes.c_bool),
    ]


class Progress(ctypes.Structure):
    """``cais_progress``."""

    _fields_ = [
        ("weights_done", ctypes.c_size_t),
        ("weights_total", ctypes.c_size_t),
        ("bytes_done", ctypes.c_uint64),
        ("bytes_total", ctypes.c_uint64),
        ("seconds_elapsed", ctypes.c_double),
    ]


MESSAGE_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p)
PROGRESS_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(Progress))


class EngineConfig(ctypes.Structure):
    """``cais_engine_config``."""

    _fields_ = [
        ("device", ctypes.c_int),
        ("opencl_platform", ctypes.c_int),
        ("opencl_device", ctypes.c_int),
        ("num_threads", ctypes.c_int),
        ("kernel_cache_dir", ctypes.c_char_p),
        ("on_message", MESSAGE_FN),
        ("message_user", ctypes.c_void_p),
        ("on_progress", PROGRESS_FN),
        ("progress_user", ctypes.c_void_p),
        ("auto_device_min_bytes", ctypes.c_uint64),
    ]


class WeightReport(ctypes.Structure):
    """``cais_weight_report``."""

    _fields_ = [
        ("name", ctypes.c_char_p),
        ("rank", ctypes.c_int),
        ("shape", ctypes.c_int64 * MAX_RANK),
        ("dtype", ctypes.c_char_p),
        ("outcome", ctypes.c_int),
        ("reason", ctypes.c_char_p),
        ("warning", ctypes.c_char_p),
        ("mode", ctypes.c_char_p),
        ("joint", ctypes.c_char_p),
        ("output_axis", ctypes.c_int),
        ("input_axis", ctypes.c_int),
        ("elements", ctypes.c_int64),
        ("nonzeros", ctypes.c_int64),
        ("sparsity", ctypes.c_double),
        ("bytes_before", ctypes.c_uint64),
        ("bytes_after", ctypes.c_uint64),
        ("relative_error", ctypes.c_double),
        ("seconds", ctypes.c_double),
        ("seconds_select", ctypes.c_double),
        ("seconds_compact", ctypes.c_double),
        ("seconds_joint", ctypes.c_double),
        ("seconds_stats", ctypes.c_double),
    ]


class ReportTotals(ctypes.Structure):
    """``cais_report_totals``."""

    _fields_ = [
        ("weights_compressed", ctypes.c_size_t),
        ("weights_skipped", ctypes.c_size_t),
        ("weights_not_eligible", ctypes.c_size_t),
        ("bytes_before", ctypes.c_uint64),
        ("bytes_after", ctypes.c_uint64),
        ("worst_relative_error", ctypes.c_double),
        ("worst_weight", ctypes.c_char_p),
        ("seconds_collect", ctypes.c_double),
        ("seconds_compute", ctypes.c_double),
        ("seconds_rewrite", ctypes.c_double),
        ("seconds_total", ctypes.c_double),
        ("compute_select", ctypes.c_double),
        ("compute_compact", ctypes.c_double),
        ("compute_joint", ctypes.c_double),
        ("compute_stats", ctypes.c_double),
        ("device", ctypes.c_char_p),
        ("device_batches", ctypes.c_size_t),
        ("device_fallbacks", ctypes.c_size_t),
    ]


class LibraryNotFoundError(RuntimeError):
    """Raised when no ``libcaisparse.so`` can be found or loaded."""


def candidate_paths() -> list[Path]:
    """Return the places ``libcaisparse.so`` is looked for, in order.

    Returns
    -------
    list of pathlib.Path
        ``$CAIS_LIBRARY`` (when set), the package's own copy, then the build
        trees of the checkout the package sits in.
    """
    paths = []
    env = os.environ.get("CAIS_LIBRARY")
    if env:
        paths.append(Path(env))
    paths.append(_PACKAGE_DIR / "_lib" / LIBRARY_NAME)
    checkout = _PACKAGE_DIR.parent.parent
    if (checkout / "host" / "include" / "caisparse.h").is_file():
        paths.extend(checkout / d / "host" / LIBRARY_NAME for d in _CHECKOUT_BUILD_DIRS)
    return paths


def _declare(lib: ctypes.CDLL) -> None:
    """Declare argument and result types of the functions the package calls."""
    c = ctypes
    P = c.POINTER
    vp = c.c_void_p
    err = P(Error)
    lib.cais_version_string.restype = c.c_char_p
    lib.cais_version_string.argtypes = []
    lib.cais_options_init.restype = None
    lib.cais_options_init.argtypes = [P(Options)]
    lib.cais_options_validate.restype = c.c_int
    lib.cais_options_validate.argtypes = [P(Options), err]
    lib.cais_program_read_file.restype = c.c_int
    lib.cais_program_read_file.argtypes = [c.c_char_p, P(vp), err]
    lib.cais_program_read_memory.restype = c.c_int
    lib.cais_program_read_memory.argtypes = [c.c_void_p, c.c_size_t, c.c_char_p, P(vp), err]
    lib.cais_program_read_memory_borrowed.restype = c.c_int
    lib.cais_program_read_memory_borrowed.argtypes = [c.c_void_p, c.c_size_t, c.c_char_p, P(vp),
                                                      err]
    lib.cais_program_write_file.restype = c.c_int
    lib.cais_program_write_file.argtypes = [vp, c.c_char_p, c.c_int, err]
    lib.cais_program_destroy.restype = None
    lib.cais_program_destroy.argtypes = [vp]
    lib.cais_engine_config_init.restype = None
    lib.cais_engine_config_init.argtypes = [P(EngineConfig)]
    lib.cais_engine_create.restype = c.c_int
    lib.cais_engine_create.argtypes = [P(EngineConfig), P(vp), err]
    lib.cais_engine_device_name.restype = c.c_char_p
    lib.cais_engine_device_name.argtypes = [vp]
    lib.cais_engine_cancel.restype = None
    lib.cais_engine_cancel.argtypes = [vp]
    lib.cais_engine_destroy.restype = None
    lib.cais_engine_destroy.argtypes = [vp]
    lib.cais_engine_sparsify.restype = c.c_int
    lib.cais_engine_sparsify.argtypes = [vp, vp, P(Options), P(vp), P(vp), err]
    lib.cais_report_weight_count.restype = c.c_size_t
    lib.cais_report_weight_count.argtypes = [vp]
    lib.cais_report_weight.restype = P(WeightReport)
    lib.cais_report_weight.argtypes = [vp, c.c_size_t]
    lib.cais_report_totals_get.restype = P(ReportTotals)
    lib.cais_report_totals_get.argtypes = [vp]
    lib.cais_report_write_json.restype = c.c_int
    lib.cais_report_write_json.argtypes = [vp, c.c_char_p, err]
    lib.cais_report_destroy.restype = None
    lib.cais_report_destroy.argtypes = [vp]
    if hasattr(lib, "cais_program_write_memory"):
        lib.cais_program_write_memory.restype = c.c_int
        lib.cais_program_write_memory.argtypes = [vp, c.c_int, P(vp), P(c.c_size_t), err]
        lib.cais_free.restype = None
        lib.cais_free.argtypes = [vp]
    if hasattr(lib, "cais_program_write_fd"):
        lib.cais_program_write_fd.restype = c.c_int
        lib.cais_program_write_fd.argtypes = [vp, c.c_int, c.c_int, err]


_lib: ctypes.CDLL | None = None
_lib_path: Path | None = None


def load() -> ctypes.CDLL:
    """Load ``libcaisparse.so`` once and return it.

    Returns
    -------
    ctypes.CDLL
        The library, with argument and result types declared.

    Raises
    ------
    LibraryNotFoundError
        If no candidate path holds a loadable library.
    """
    global _lib, _lib_path
    if _lib is not None:
        return _lib
    tried = []
    for path in candidate_paths():
        if not path.is_file():
            tried.append(f"{path} (missing)")
            continue
        try:
            lib = ctypes.CDLL(str(path), mode=os.RTLD_LOCAL | os.RTLD_NOW)
        except OSError as exc:
            tried.append(f"{path} ({exc})")
            continue
        _declare(lib)
        _lib, _lib_path = lib, path
        return lib
    raise LibraryNotFoundError(
        "caisparse: cannot find libcaisparse.so; set CAIS_LIBRARY to its path or run "
        "tools/install-python.sh. Tried: " + "; ".join(tried)
    )


def library_path() -> Path:
    """Return the path of the loaded library (loading it if needed).

    Returns
    -------
    pathlib.Path
        The file ``load`` opened.
    """
    load()
    assert _lib_path is not None
    return _lib_path


def has_write_memory() -> bool:
    """Return whether the library has ``cais_program_write_memory``.

    Returns
    -------
    bool
        True when the in-memory writer exists (newer libraries).
    """
    return hasattr(load(), "cais_program_write_memory")


def has_write_fd() -> bool:
    """Return whether the library has ``cais_program_write_fd``.

    Returns
    -------
    bool
        True when the streaming descriptor writer exists (newer libraries).
    """
    return hasattr(load(), "cais_program_write_fd")


def check(status: int, err: Error) -> None:
    """Raise when a C call failed.

    Parameters
    ----------
    status : int
        The ``cais_status`` the call returned.
    err : Error
        The ``cais_error`` the call filled.

    Raises
    ------
    ValueError
        For invalid options (the message has the upstream wording).
    CaisError
        For every other failure.
    """
    if status == OK:
        return
    if status == ERROR_INVALID_OPTIONS:
        raise ValueError(err.text())
    raise CaisError(status, err.text())


class CaisError(RuntimeError):
    """A libcaisparse call failed; ``status`` is the ``cais_status`` number."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
