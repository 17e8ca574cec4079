def mean(xs):
    """The arithmetic mean of xs."""
    total = 0.0
    for x in xs:
        total += x
    return total / len(xs)
