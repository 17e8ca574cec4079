def variance(xs):
    """The sample variance of xs (n - 1 in the denominator), two-pass: deviations from the mean, so an offset costs no precision."""
    n = len(xs)
    m = sum(xs) / n
    return sum((x - m) ** 2 for x in xs) / (n - 1)
