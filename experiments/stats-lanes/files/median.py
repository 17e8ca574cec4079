def median(xs):
    """The median of xs: the middle value, or the mean of the two middle values."""
    ys = sorted(xs)
    mid = len(ys) // 2
    return ys[mid] if len(ys) % 2 else (ys[mid - 1] + ys[mid]) / 2
