import math


def mean(xs):
    """The arithmetic mean of xs, summed exactly (math.fsum) before the division."""
    return math.fsum(xs) / len(xs)
