"""What stats must do (protected: the worker may not edit these)."""
import math
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from stats import mean, median, variance  # noqa: E402


def test_mean_small():
    assert mean([1.0, 2.0, 3.0, 4.0]) == 2.5


def test_mean_cancellation():
    # 1e16 + 1 - 1e16 loses the 1 in a running float sum
    xs = [1e16, 1.0, -1e16] * 1000
    assert mean(xs) == 1 / 3


def test_variance_small():
    assert variance([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]) == 32 / 7


def test_variance_offset():
    # a large common offset must not change the variance (naive sum of squares loses it)
    xs = [1e9 + x for x in (4.0, 7.0, 13.0, 16.0)]
    assert math.isclose(variance(xs), 30.0, rel_tol=1e-12)


def test_median_odd():
    assert median([3, 1, 2]) == 2


def test_median_even():
    assert median([4, 1, 3, 2]) == 2.5
