"""reference.py -- the upstream compression algorithms in numpy, timed side by
side with cai-sparsify (bench/bench.py).

This is what `coreai_opt.coreai_utils.sparsify_weights` does to one weight,
re-implemented from the upstream algorithm descriptions (coremltools'
prune_weights / palettize_weights and coreai_opt's palettize utilities), not
copied:

* magnitude:  threshold = np.percentile(|w|, 100 s); w[|w| <= threshold] = 0
              (s = 1 zeroes everything, s = 0 prunes nothing)
* block b:    L2 norm of each block of b along the output-channel axis
              (zero-padded), replicated over the block, then the same
              percentile threshold on that map
* n:m:        along the input-channel axis, zero-pad to a multiple of m,
              reshape [-1, m], np.argsort(|w|)[:, :n] are zeroed
* sparse params: nonzero_data = w[w != 0] (row-major), mask = packbits
* int8/uint8: per-tensor symmetric over the non-zeros, a = max|x|,
              scale = (2a + 1e-6) / 254 stored in the weight dtype,
              q = clip(round_half_even(x / scale), -127, 127) (+127 for uint8)
* fp8:        scale = (2a + 1e-6) / (2 M), q = (x / scale) cast with
              ml_dtypes (round to nearest even)
* palettize k: as upstream `_get_kmeans_lookup_table_and_weight`: f16 with at
              least 10,000 values -> np.unique(return_inverse, return_counts)
              and the globally optimal weighted 1-D k-means on the distinct
              values (kmeans1d's DP + SMAWK with weights; upstream ships that
              as a numba port of coremltools' bundled kmeans1d -- PyPI's
              kmeans1d has no weights and is O(k n) in memory on the full list,
              so we use an equivalent numba solver and check it against PyPI
              kmeans1d in `self_test`); everything else (f32, bf16, small
              f16) -> sklearn KMeans(2^k, init="k-means++", n_init=1,
              tol=1e-2, random_state=0); then indices packed into k-bit words.

`compress(w, mode)` returns a small dict of numpy arrays, the outputs the
upstream pipeline would hand to the IR writer.
"""

import math
import warnings

import numpy as np

try:
    import numba
except ImportError:  # pragma: no cover - bench/run.sh installs it
    numba = None


# --------------------------------------------------------------------------
# Pruning
# --------------------------------------------------------------------------

def prune_magnitude(w, s, magnitude_map=None):
    mag = np.abs(w) if magnitude_map is None else magnitude_map
    q = s * 100.0
    if q == 100:
        return np.zeros_like(w)
    if q == 0:
        return w.copy()
    threshold = np.percentile(mag, q)
    return np.where(mag <= threshold, np.zeros((), w.dtype), w)


def block_magnitude_map(w, block, axis):
    """|w| replaced by the L2 norm of its block of `block` along `axis`."""
    x = np.moveaxis(np.abs(w).astype(np.float32), axis, 0)
    channels = x.shape[0]
    pad = (-channels) % block
    if pad:
        x = np.pad(x, [(0, pad)] + [(0, 0)] * (x.ndim - 1))
    shape_padded = x.shape
    x = x.reshape((shape_padded[0] // block, block) + shape_padded[1:])
    norms = np.sqrt(np.sum(x * x, axis=1, keepdims=True))
    x = np.broadcast_to(norms, x.shape).reshape(shape_padded)[:channels]
    return np.moveaxis(x, 0, axis)


def prune_block(w, s, block, out_axis):
    if block > w.shape[out_axis] / 2:
        return None  # upstream: warn and skip
    return prune_magnitude(w, s, block_magnitude_map(w, block, out_axis))


def prune_nm(w, n, m, in_axis):
    x = np.moveaxis(w, in_axis, -1)
    shape_moved = x.shape
    x = x.reshape(-1, shape_moved[-1])
    channels = x.shape[1]
    if m > channels / 2:
        return None
    pad = (-channels) % m
    if pad:
        x = np.pad(x, ((0, 0), (0, pad)))
    padded_shape = x.shape
    groups = x.reshape(-1, m)
    drop = np.argsort(np.abs(groups), axis=-1)[:, :n]
    keep = np.ones(groups.shape, dtype=bool)
    np.put_along_axis(keep, drop, False, axis=-1)
    keep = keep.reshape(padded_shape)[:, :channels].reshape(shape_moved)
    keep = np.moveaxis(keep, -1, in_axis)
    return np.where(keep, w, np.zeros((), w.dtype))


def sparse_params(pruned):
    nz = pruned != 0
    return pruned[nz], np.packbits(nz.reshape(-1), bitorder="little")


# --------------------------------------------------------------------------
# Quantization
# --------------------------------------------------------------------------

_FP8_MAX = {"fp8_e4m3fn": 448.0, "fp8_e5m2": 57344.0}


def quantize(nonzero_data, dtype):
    x = nonzero_data.astype(np.float32)
    a = float(np.max(np.abs(x))) if x.size else 0.0
    if dtype in ("int8", "uint8"):
        scale = np.asarray((2 * a + 1e-6) / 254, dtype=nonzero_data.dtype)
        q = np.clip(np.round(x / np.float32(scale)), -127, 127)
        if dtype == "uint8":
            return (q + 127).astype(np.uint8), scale
        return q.astype(np.int8), scale
    import ml_dtypes
    big = _FP8_MAX[dtype]
    scale = np.asarray((2 * a + 1e-6) / (2 * big), dtype=nonzero_data.dtype)
    target = ml_dtypes.float8_e4m3fn if dtype == "fp8_e4m3fn" else ml_dtypes.float8_e5m2
    return (x / np.float32(scale)).astype(target), scale


# --------------------------------------------------------------------------
# Palettization
# --------------------------------------------------------------------------

if numba is not None:
    @numba.njit(cache=True)
    def _dp_weighted(v, w, k):
        """Optimal weighted 1-D k-means of sorted distinct values `v` with
        weights `w` into k clusters.  Dynamic programming over prefixes with
        the divide-and-conquer argmin (the optimal split is monotone in the
        prefix end, which is what SMAWK also relies on): O(k n log n).
        Returns the cluster label of each value (ascending clusters)."""
        n = v.shape[0]
        mean = 0.0
        tw = 0.0
        for i in range(n):
            mean += w[i] * v[i]
            tw += w[i]
        mean /= tw
        cw = np.zeros(n + 1)
        cs = np.zeros(n + 1)
        cq = np.zeros(n + 1)
        for i in range(n):
            d = v[i] - mean
            cw[i + 1] = cw[i] + w[i]
            cs[i + 1] = cs[i] + w[i] * d
            cq[i + 1] = cq[i] + w[i] * d * d
        prev = np.empty(n)
        cur = np.empty(n)
        for i in range(n):
            s = cs[i + 1]
            prev[i] = cq[i + 1] - s * s / cw[i + 1]
        split = np.zeros((k, n), np.int32)
        stack = np.empty((4 * 64 + 8, 4), np.int64)
        for level in range(1, k):
            # rows i >= level; candidate first index j of the last cluster in
            # [level, i]
            top = 0
            stack[0, 0] = level
            stack[0, 1] = n - 1
            stack[0, 2] = level
            stack[0, 3] = n - 1
            top = 1
            for i in range(level):
                cur[i] = 0.0
                split[level, i] = i
            while top > 0:
                top -= 1
                lo = stack[top, 0]
                hi = stack[top, 1]
                olo = stack[top, 2]
                ohi = stack[top, 3]
                if lo > hi:
                    continue
                mid = (lo + hi) // 2
                best = np.inf
                bj = olo
                end = ohi if ohi < mid else mid
                for j in range(olo, end + 1):
                    ww = cw[mid + 1] - cw[j]
                    ss = cs[mid + 1] - cs[j]
                    c = prev[j - 1] + (cq[mid + 1] - cq[j]) - ss * ss / ww
                    if c < best:
                        best = c
                        bj = j
                cur[mid] = best
                split[level, mid] = bj
                stack[top, 0] = lo
                stack[top, 1] = mid - 1
                stack[top, 2] = olo
                stack[top, 3] = bj
                top += 1
                stack[top, 0] = mid + 1
                stack[top, 1] = hi
                stack[top, 2] = bj
                stack[top, 3] = ohi
                top += 1
            for i in range(n):
                prev[i] = cur[i]
        labels = np.empty(n, np.int64)
        end = n - 1
        for level in range(k - 1, -1, -1):
            start = split[level, end] if level > 0 else 0
            for i in range(start, end + 1):
                labels[i] = level
            end = start - 1
        return labels


def kmeans1d_weighted(values, weights, k):
    """(labels, centroids) of the optimal weighted 1-D k-means; `values`
    sorted ascending and distinct.  Centroids are the weighted means (float64),
    like kmeans1d's."""
    v = np.ascontiguousarray(values, dtype=np.float64)
    w = np.ascontiguousarray(weights, dtype=np.float64)
    k = min(int(k), v.shape[0])
    labels = _dp_weighted(v, w, k)
    sw = np.bincount(labels, weights=w, minlength=k)
    centroids = np.bincount(labels, weights=w * v, minlength=k) / np.where(sw > 0, sw, 1)
    return labels, centroids


def kmeans1d_unique(x, k):
    """Upstream's f16 path: np.unique + weighted optimal 1-D k-means.
    Returns (centroids float64, labels per element)."""
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    labels, centroids = kmeans1d_weighted(values.astype(np.float64), counts, k)
    return centroids, labels[inverse.reshape(-1)]


def sklearn_kmeans(x, k):
    from sklearn.cluster import KMeans
    n_clusters = min(x.size, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning on few distinct values
        km = KMeans(n_clusters, init="k-means++", tol=1e-2, n_init=1,
                    random_state=0).fit(x.reshape(-1, 1))
    return km.cluster_centers_.reshape(-1).astype(np.float64), km.labels_


def pack_bits(indices, nbits):
    """k-bit words, LSB first (the program's ui<k> layout)."""
    idx = np.asarray(indices, dtype=np.uint8)
    if nbits == 8:
        return idx.copy()
    bits = np.unpackbits(idx[:, None], axis=1, bitorder="little")[:, :nbits]
    return np.packbits(bits.reshape(-1), bitorder="little")


def palettize(nonzero_data, nbits):
    k = 1 << nbits
    lut = np.zeros(k, dtype=np.float64)
    if nonzero_data.dtype == np.float16 and nonzero_data.size >= 10_000:
        centroids, labels = kmeans1d_unique(nonzero_data, k)
        algo = "kmeans1d"
    else:
        centroids, labels = sklearn_kmeans(nonzero_data.astype(np.float32), k)
        algo = "sklearn"
    lut[:centroids.size] = centroids
    return lut.astype(nonzero_data.dtype), pack_bits(labels, nbits), algo, centroids, labels


# --------------------------------------------------------------------------
# One weight
# --------------------------------------------------------------------------

def compress(w, mode, out_axis=0, in_axis=1):
    """mode: dict(prune='magnitude'|'block'|'nm', s=, block=, n=, m=,
    joint=None|'int8'|'uint8'|'fp8_e4m3fn'|'fp8_e5m2'|'palettize', nbits=)."""
    p = mode["prune"]
    if p == "magnitude":
        pruned = prune_magnitude(w, mode["s"])
    elif p == "block":
        pruned = prune_block(w, mode["s"], mode["block"], out_axis)
    else:
        pruned = prune_nm(w, mode["n"], mode["m"], in_axis)
    if pruned is None:
        return None
    nz, mask = sparse_params(pruned)
    out = {"mask": mask, "nonzero_data": nz}
    j = mode.get("joint")
    if j and nz.size == 0:
        return out
    if j == "palettize":
        lut, idx, algo, _, _ = palettize(nz, mode["nbits"])
        out.update(lut=lut, indices=idx, algo=algo)
        del out["nonzero_data"]
    elif j:
        q, scale = quantize(nz, j)
        out.update(q=q, scale=scale)
        del out["nonzero_data"]
    return out


def warm_up():
    """JIT-compiles the numba kernel (excluded from timings)."""
    if numba is not None:
        kmeans1d_weighted(np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 1.0]), 2)


# --------------------------------------------------------------------------
# Quality helpers
# --------------------------------------------------------------------------

def partition_sse(x, labels):
    """SSE of the partition with each group's exact mean (what k-means
    minimises)."""
    x = np.asarray(x, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    n = int(labels.max()) + 1 if labels.size else 0
    cnt = np.bincount(labels, minlength=n)
    means = np.bincount(labels, weights=x, minlength=n) / np.where(cnt > 0, cnt, 1)
    d = x - means[labels]
    return float(np.dot(d, d))


def lut_sse(x, lut, labels):
    d = np.asarray(x, dtype=np.float64) - np.asarray(lut, dtype=np.float64)[labels]
    return float(np.dot(d, d))


def nearest_labels(x, lut_sorted):
    """Index of the nearest entry of an ascending LUT (ties: lower index)."""
    lut = np.asarray(lut_sorted, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    hi = np.clip(np.searchsorted(lut, x, side="left"), 1, len(lut) - 1)
    lo = hi - 1
    pick_hi = (lut[hi] - x) < (x - lut[lo])
    return np.where(pick_hi, hi, lo)


def self_test(seed=0):
    """The weighted solver against PyPI kmeans1d (the unweighted optimum on
    the expanded list) on small random f16 data; returns the worst relative
    SSE difference."""
    import kmeans1d
    rng = np.random.default_rng(seed)
    worst = 0.0
    for n, k in [(300, 4), (1000, 16), (2000, 16), (1500, 64)]:
        x = (rng.standard_normal(n) * 0.05).astype(np.float16)
        x = x[x != 0].astype(np.float64)
        ref = kmeans1d.cluster(x.tolist(), k)
        sse_ref = partition_sse(x, np.asarray(ref.clusters))
        centroids, labels = kmeans1d_unique(x.astype(np.float16), k)
        sse = partition_sse(x, labels)
        worst = max(worst, abs(sse - sse_ref) / max(sse_ref, 1e-300))
    return worst
