"""Sorting of (key, payload) records by key."""
from bisect import bisect_right

CUTOFF = 64   # below this many records, binary insertion beats recursing


def sort_records(records):
    """Returns a new list of the records sorted by their first field (the key).

    Stable: records with equal keys keep their input order. The input is not changed.
    Merge sort; slices of at most CUTOFF records are sorted by binary insertion
    (bisect and list.insert run in C; bisect_right keeps equal keys in input
    order), and the merge loop reads each key once and stops as soon as one
    side is used up.
    """
    n = len(records)
    if n <= CUTOFF:
        keys, out = [], []
        for record in records:
            key = record[0]
            at = bisect_right(keys, key)
            keys.insert(at, key)
            out.insert(at, record)
        return out
    mid = n >> 1                  # a shift instead of a division
    left = sort_records(records[:mid])
    right = sort_records(records[mid:])
    out = []
    append = out.append
    i = j = 0
    nl, nr = len(left), len(right)
    ki, kj = left[0][0], right[0][0]
    while True:
        if kj < ki:
            append(right[j])
            j += 1
            if j == nr:
                break
            kj = right[j][0]
        else:
            append(left[i])
            i += 1
            if i == nl:
                break
            ki = left[i][0]
    out += left[i:]               # in-place concatenation instead of two method calls
    out += right[j:]
    return out
