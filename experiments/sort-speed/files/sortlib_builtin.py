"""Sorting of (key, payload) records by key."""
from operator import itemgetter

_key = itemgetter(0)


def sort_records(records):
    """Returns a new list of the records sorted by their first field (the key).

    Stable: records with equal keys keep their input order. The input is not changed.
    The built-in Timsort (C, stable, O(n log n), fast on partly sorted data),
    comparing the keys only: sorted(records) would compare whole tuples and
    order equal keys by payload, which breaks stability.
    """
    return sorted(records, key=_key)
