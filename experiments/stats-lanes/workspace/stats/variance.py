def variance(xs):
    """The sample variance of xs (n - 1 in the denominator)."""
    n = len(xs)
    s = sum(xs)
    s2 = sum(x * x for x in xs)
    return (s2 - s * s / n) / n
