"""Correctness of sortlib.sort_records (protected: the worker may not edit these)."""
import pathlib
import random
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from sortlib import sort_records  # noqa: E402


def test_empty_and_single():
    assert sort_records([]) == []
    assert sort_records([(3, "a")]) == [(3, "a")]


def test_sorts_by_key():
    rng = random.Random(1)
    records = [(rng.randrange(1000), i) for i in range(5000)]
    keys = [k for k, _ in sort_records(records)]
    assert keys == sorted(k for k, _ in records)


def test_is_stable():
    # payloads in decreasing order: sorting whole tuples would reverse equal keys
    records = [(i % 7, 100 - i) for i in range(100)]
    result = sort_records(records)
    for key in range(7):
        assert [p for k, p in result if k == key] == [p for k, p in records if k == key]


def test_keeps_every_record_and_leaves_the_input_alone():
    rng = random.Random(2)
    records = [(rng.randrange(50), str(i)) for i in range(2000)]
    before = list(records)
    result = sort_records(records)
    assert records == before
    assert sorted(result) == sorted(records)


def test_keys_need_only_less_than():
    class Key:
        def __init__(self, v):
            self.v = v

        def __lt__(self, other):
            return self.v < other.v

    records = [(Key(v), v) for v in [5, 3, 9, 1, 3]]
    assert [p for _, p in sort_records(records)] == [1, 3, 3, 5, 9]
