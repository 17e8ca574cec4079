#!/usr/bin/env python3
"""Reference values for test/oracles/benchmark-stats.test.ts, computed
independently of the TypeScript code: numpy for descriptive statistics,
brute-force enumeration of rank assignments for the exact Mann-Whitney
distribution, pair counting + math.erfc for the normal approximation, and a
Python port of mulberry32 driving the same resampling scheme for the
bootstrap (so the intervals must match exactly). Run: python3 benchmark-reference.py
"""
import itertools, json, math
from collections import Counter
import numpy as np

def mulberry32(seed):
    a = seed & 0xFFFFFFFF
    def imul(x, y):
        return (x * y) & 0xFFFFFFFF
    def rand():
        nonlocal a
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = a
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296
    return rand

def boot_median_ci(xs, seed=0x5EED, B=2000):
    r = mulberry32(seed)
    stats = []
    for _ in range(B):
        s = [xs[math.floor(r() * len(xs))] for _ in xs]
        stats.append(float(np.median(s)))
    return [float(np.quantile(stats, 0.025)), float(np.quantile(stats, 0.975))]

def boot_ratio_ci(a, b, seed=0x5EED, B=2000):
    r = mulberry32(seed)
    stats = []
    for _ in range(B):
        sa = [a[math.floor(r() * len(a))] for _ in a]
        sb = [b[math.floor(r() * len(b))] for _ in b]
        stats.append(float(np.median(sa)) / float(np.median(sb)))
    return [float(np.quantile(stats, 0.025)), float(np.quantile(stats, 0.975))]

def u_pairs(x, y):
    return sum((1.0 if a > b else 0.5 if a == b else 0.0) for a in x for b in y)

def exact_p(x, y):
    n1, n2 = len(x), len(y)
    u = u_pairs(x, y)
    # under H0 every choice of n1 ranks out of n1+n2 is equally likely
    N = n1 + n2
    dist = Counter()
    for combo in itertools.combinations(range(1, N + 1), n1):
        dist[sum(combo) - n1 * (n1 + 1) // 2] += 1
    total = sum(dist.values())
    le = sum(c for k, c in dist.items() if k <= u)
    ge = sum(c for k, c in dist.items() if k >= u)
    return u, min(1.0, 2 * min(le, ge) / total)

def normal_p(x, y):
    n1, n2 = len(x), len(y)
    n = n1 + n2
    u = u_pairs(x, y)
    ties = sum(t ** 3 - t for t in Counter(list(x) + list(y)).values())
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    z = max(0.0, abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(var)
    return u, math.erfc(z / math.sqrt(2)), z

def exact_p_dp(x, y):
    # Mann & Whitney's recurrence: c(m, n) = c(m-1, n) shifted by n + c(m, n-1)
    from functools import lru_cache
    @lru_cache(maxsize=None)
    def dist(m, n):
        if m == 0 or n == 0:
            return (1,)
        a, b = dist(m - 1, n), dist(m, n - 1)
        out = [0] * (m * n + 1)
        for k, c in enumerate(a):
            out[k + n] += c
        for k, c in enumerate(b):
            out[k] += c
        return tuple(out)
    u = u_pairs(x, y)
    d = dist(len(x), len(y))
    le = sum(d[: int(u) + 1])
    ge = sum(d[int(u):])
    return u, min(1.0, 2 * min(le, ge) / sum(d))

out = {}
# R's wilcox.test example (Hollander & Wolfe): W = 35, one-sided p = 0.1272
x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
y = [1.15, 0.88, 0.90, 0.74, 1.21]
out['exact_r_example'] = exact_p(x, y)
a = [0.112, 0.109, 0.131, 0.104, 0.118, 0.122, 0.107, 0.125]
b = [0.101, 0.099, 0.097, 0.103, 0.1, 0.098, 0.096, 0.102, 0.0955]
out['exact_8_9'] = exact_p(a, b)
t1 = [1, 2, 2, 3, 3, 3, 4]
t2 = [2, 3, 4, 4, 5, 5, 6, 7]
out['normal_ties'] = normal_p(t1, t2)
big1 = [1 + i / 100 for i in range(60)]
big2 = [1.3 + j / 97 + 1e-4 for j in range(60)]
assert len(set(big1 + big2)) == 120
out['normal_60_60'] = normal_p(big1, big2)

x50 = [i * 1.001 for i in range(50)]
y50 = [i * 1.001 + 6.5 for i in range(50)]
out['exact_50_50'] = exact_p_dp(x50, y50)
out['normal_50_50'] = normal_p(x50, y50)
assert abs(exact_p_dp(x, y)[1] - out['exact_r_example'][1]) < 1e-15

s = [0.212, 0.205, 0.198, 0.250, 0.201, 0.203, 0.199, 0.207, 0.420, 0.202, 0.204]
out['describe'] = {
    'median': float(np.median(s)),
    'mean': float(np.mean(s)),
    'stdev': float(np.std(s, ddof=1)),
    'iqr': float(np.quantile(s, 0.75) - np.quantile(s, 0.25)),
    'q10': float(np.quantile(s, 0.1)),
    'outliers': [i for i, v in enumerate(s)
                 if v < np.quantile(s, .25) - 1.5 * (np.quantile(s, .75) - np.quantile(s, .25))
                 or v > np.quantile(s, .75) + 1.5 * (np.quantile(s, .75) - np.quantile(s, .25))],
    'ci': boot_median_ci(s),
    'ci_seed7': boot_median_ci(s, seed=7),
}
r = mulberry32(42)
out['mulberry32_seed42'] = [r() for _ in range(5)]
out['ratio_ci'] = boot_ratio_ci(a, b)
print(json.dumps(out, indent=1))
