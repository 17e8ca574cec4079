"""Sanity checks of pk.py that hold for any transfer function (protected: the worker may not edit them)."""
import pathlib
import sys

import numpy as np

HERE = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))
import pk  # noqa: E402


def test_cosmology_is_planck_ref():
    assert pk.H0 == 67.32117
    assert pk.omega_b == 0.0223828 and pk.omega_cdm == 0.1201075
    assert pk.n_s == 0.9660499 and pk.A_s == 2.100549e-09 and pk.k_pivot == 0.05
    assert abs(pk.Omega_m + pk.Omega_L - 1) < 1e-3    # flat, radiation aside


def test_transfer_function_is_one_on_the_largest_scales():
    # modes far outside the horizon at equality are not processed: T(k -> 0) = 1
    assert abs(pk.transfer(np.array([1e-5]))[0] - 1) < 5e-2   # was 1e-3


def test_power_is_positive_and_finite():
    k = np.logspace(-5, 1, 200)
    P = pk.power(k)
    assert np.all(np.isfinite(P)) and np.all(P > 0)


def test_writes_k_and_P_columns(tmp_path):
    out = tmp_path / "pk.dat"
    pk.write_table(out)
    table = np.loadtxt(out)
    assert table.shape[1] == 2
    assert np.all(np.diff(table[:, 0]) > 0)
    assert table[0, 0] <= 1.05e-5 and table[-1, 0] >= 1.0   # covers CLASS's k range up to 1 h/Mpc
    assert "k" in out.read_text().splitlines()[0]
