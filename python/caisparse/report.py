"""The report of one sparsification as Python objects: the fields of the JSON
report (docs/REPORT.md), per weight and in total."""

from __future__ import annotations

import ctypes
import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any

from caisparse import _clib

OUTCOMES = {0: "compressed", 1: "skipped", 2: "not_eligible"}


def _s(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode("utf-8", "replace")


@dataclass(frozen=True)
class WeightReport:
    """One float ``coreai.constant`` of the program.

    Attributes
    ----------
    name : str
        The weight's readable name (see ``caisparse.locations``).
    outcome : str
        ``"compressed"``, ``"skipped"`` or ``"not_eligible"``.
    dtype : str
        ``"f16"``, ``"bf16"`` or ``"f32"``.
    shape : tuple of int
        The dense shape.
    elements, bytes_before : int
        Its size.
    reason, warning : str or None
        Why it was skipped / not eligible; a warning about a compressed weight.
    mode, joint : str or None
        ``magnitude`` / ``block`` / ``n:m``; ``none``, ``int8``, ...,
        ``palettizeK`` (compressed weights only).
    output_axis, input_axis : int or None
        Channel axes used.
    nonzeros, bytes_after : int or None
        Values stored; bytes of the chain's constants.
    sparsity, relative_error : float or None
        ``1 - nonzeros / elements``; ``||w - decoded|| / ||w||``.
    seconds : float or None
        Compute time; ``phases`` splits it into select/compact/joint/stats.
    """

    name: str
    outcome: str
    dtype: str
    shape: tuple
    elements: int
    bytes_before: int
    reason: str | None = None
    warning: str | None = None
    mode: str | None = None
    joint: str | None = None
    output_axis: int | None = None
    input_axis: int | None = None
    nonzeros: int | None = None
    sparsity: float | None = None
    bytes_after: int | None = None
    relative_error: float | None = None
    seconds: float | None = None
    phases: dict | None = None


@dataclass(frozen=True)
class ReportTotals:
    """The whole run.

    Attributes
    ----------
    weights_compressed, weights_skipped, weights_not_eligible : int
        Counts.
    bytes_before, bytes_after : int
        Dense bytes of the compressed weights and bytes of their chains.
    ratio : float
        ``bytes_before / bytes_after`` (0 when nothing was compressed).
    worst_relative_error : float
        The largest relative error of a compressed weight.
    worst_weight : str or None
        Its name.
    device_batches, device_fallbacks : int
        Batches sent to an OpenCL device; batches redone on the CPU.
    """

    weights_compressed: int
    weights_skipped: int
    weights_not_eligible: int
    bytes_before: int
    bytes_after: int
    ratio: float
    worst_relative_error: float
    worst_weight: str | None
    device_batches: int
    device_fallbacks: int


@dataclass(frozen=True)
class Report:
    """What one ``sparsify_weights`` call did.

    Attributes
    ----------
    weights : list of WeightReport
        Every float constant, in program order.
    totals : ReportTotals
        Sums over the run.
    device : str
        Where it computed, e.g. ``"CPU (2 threads)"``.
    seconds : dict
        Wall seconds per phase: the C library's ``collect``, ``compute``,
        ``rewrite``, ``sparsify_total``, and the bridge's steps
        (``write_bytecode``, ``c_read``, ``c_write``, ``parse``, ``restore``, ...).
    compute_phases : dict
        Thread seconds per compute step: ``select``, ``compact``, ``joint``, ``stats``.
    """

    weights: list
    totals: ReportTotals
    device: str
    seconds: dict
    compute_phases: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Return the report as plain data, in the JSON report's layout.

        Returns
        -------
        dict
            ``device``, ``seconds``, ``compute_phases``, ``totals``, ``weights``
            (unset fields of a weight are left out).
        """
        weights = [{k: v for k, v in asdict(w).items() if v is not None} for w in self.weights]
        for w in weights:
            w["shape"] = list(w["shape"])
        return {"tool": "caisparse", "device": self.device, "seconds": dict(self.seconds),
                "compute_phases": dict(self.compute_phases), "totals": asdict(self.totals),
                "weights": weights}

    def write_json(self, path: str | os.PathLike) -> None:
        """Write ``to_dict()`` as JSON, atomically (temporary file, then rename).

        Parameters
        ----------
        path : str or os.PathLike
            Where to write.
        """
        path = os.fspath(path)
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump(self.to_dict(), f, indent=1)
            f.write("\n")
        os.replace(tmp, path)


def _weight(w: _clib.WeightReport) -> WeightReport:
    outcome = OUTCOMES.get(w.outcome, str(w.outcome))
    common: dict[str, Any] = dict(
        name=_s(w.name), outcome=outcome, dtype=_s(w.dtype),
        shape=tuple(w.shape[i] for i in range(w.rank)), elements=w.elements,
        bytes_before=w.bytes_before, reason=_s(w.reason), warning=_s(w.warning),
    )
    if outcome != "compressed":
        return WeightReport(**common)
    return WeightReport(
        **common, mode=_s(w.mode), joint=_s(w.joint), output_axis=w.output_axis,
        input_axis=w.input_axis, nonzeros=w.nonzeros, sparsity=w.sparsity,
        bytes_after=w.bytes_after, relative_error=w.relative_error, seconds=w.seconds,
        phases={"select": w.seconds_select, "compact": w.seconds_compact,
                "joint": w.seconds_joint, "stats": w.seconds_stats},
    )


def from_c(handle: ctypes.c_void_p, bridge_seconds: dict) -> Report:
    """Copy a ``cais_report`` into Python objects.

    Parameters
    ----------
    handle : ctypes.c_void_p
        The ``cais_report *`` (the caller destroys it).
    bridge_seconds : dict
        The bridge's timings, merged into ``seconds``.

    Returns
    -------
    Report
        The report.
    """
    lib = _clib.load()
    weights = [_weight(lib.cais_report_weight(handle, i).contents)
               for i in range(lib.cais_report_weight_count(handle))]
    t = lib.cais_report_totals_get(handle).contents
    totals = ReportTotals(
        weights_compressed=t.weights_compressed, weights_skipped=t.weights_skipped,
        weights_not_eligible=t.weights_not_eligible, bytes_before=t.bytes_before,
        bytes_after=t.bytes_after,
        ratio=(t.bytes_before / t.bytes_after) if t.bytes_after else 0.0,
        worst_relative_error=t.worst_relative_error, worst_weight=_s(t.worst_weight),
        device_batches=t.device_batches, device_fallbacks=t.device_fallbacks,
    )
    seconds = {"collect": t.seconds_collect, "compute": t.seconds_compute,
               "rewrite": t.seconds_rewrite, "sparsify_total": t.seconds_total}
    seconds.update(bridge_seconds)
    return Report(weights=weights, totals=totals, device=_s(t.device) or "",
                  seconds=seconds,
                  compute_phases={"select": t.compute_select, "compact": t.compute_compact,
                                  "joint": t.compute_joint, "stats": t.compute_stats})
