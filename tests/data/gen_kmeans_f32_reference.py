#!/usr/bin/env python3
"""Generates kmeans_f32_reference.txt: reference k-means costs for the f32
palettization test (tests/unit/test_kmeans1d.c, test_f32_against_references).

Reproduce (numpy, kmeans1d and scikit-learn installed):
    python3 tests/data/gen_kmeans_f32_reference.py > tests/data/kmeans_f32_reference.txt

The data is re-created bit for bit in C: splitmix64 (tests/support/test_support.c,
cais_test_rand) seeded with SEED, u = (r >> 11) * 2^-53, component j = r2 % 5
(r2 the next draw), value = CENTER[j] + WIDTH[j] * (u - 0.5) in double, rounded
to float32.  Per line: nbits, the optimal weighted SSE (kmeans1d, exact
1-D k-means over all points, so duplicates count with their multiplicity),
and the best and worst inertia of scikit-learn KMeans(init="k-means++",
n_init=1) over random_state 0..4, all in float64 over the float32 values.
"""
import kmeans1d
import numpy as np
from sklearn.cluster import KMeans

SEED = 20240611
COUNT = 1200000
CENTER = [-0.31, -0.07, 0.05, 0.19, 0.42]
WIDTH = [0.05, 0.11, 0.02, 0.08, 0.15]
MASK = (1 << 64) - 1


def splitmix(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def data():
    s = SEED
    out = np.empty(COUNT, dtype=np.float64)
    for i in range(COUNT):
        s, r = splitmix(s)
        s, r2 = splitmix(s)
        u = float(r >> 11) * (1.0 / 9007199254740992.0)
        j = r2 % 5
        out[i] = CENTER[j] + WIDTH[j] * (u - 0.5)
    return out.astype(np.float32).astype(np.float64)


def sse(x, labels, k):
    total = 0.0
    for c in range(k):
        v = x[labels == c]
        if v.size:
            total += float(((v - v.mean()) ** 2).sum())
    return total


def main():
    x = data()
    print(f"# count {COUNT} distinct {np.unique(x).size}")
    for nbits in (2, 4, 8):
        k = 1 << nbits
        clusters, _ = kmeans1d.cluster(x, k)
        opt = sse(x, np.asarray(clusters), k)
        inertias = []
        for seed in range(5):
            km = KMeans(n_clusters=k, init="k-means++", n_init=1, random_state=seed)
            km.fit(x.reshape(-1, 1))
            inertias.append(float(km.inertia_))
        print(f"{nbits} {opt!r} {min(inertias)!r} {max(inertias)!r}")


if __name__ == "__main__":
    main()
