"""Sorting of (key, payload) records by key."""


def sort_records(records):
    """Returns a new list of the records sorted by their first field (the key).

    Stable: records with equal keys keep their input order. The input is not changed.
    """
    if len(records) <= 1:
        return list(records)
    mid = len(records) // 2
    left = sort_records(records[:mid])
    right = sort_records(records[mid:])
    out = []
    i = j = 0
    while i < len(left) and j < len(right):
        if right[j][0] < left[i][0]:
            out.append(right[j])
            j += 1
        else:
            out.append(left[i])
            i += 1
    out.extend(left[i:])
    out.extend(right[j:])
    return out
