import sys, pathlib
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from primes import count_primes


def test_small():
    assert count_primes(30) == 10
    assert count_primes(2) == 0
