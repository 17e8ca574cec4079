def median(xs):
    """The median of xs: the middle value, or the mean of the two middle values."""
    ys = sorted(xs)
    return ys[len(ys) // 2]
