"""Linear matter power spectrum P(k) at z = 0 for the Planck 2018 cosmology
of CLASS's planck-ref.ini (flat LCDM, one 0.06 eV neutrino).

    python3 pk.py --out pk.dat      # columns: k [h/Mpc], P [(Mpc/h)^3]

P(k) = 2 pi^2 / k^3 * A_s (k/k_pivot)^(n_s-1) * (2 k^2 / (5 Omega_m H0^2))^2 * T(k)^2 * D(0)^2

No transfer function yet (T = 1): right on the largest scales only.
Normalised by A_s.
"""
import argparse
import numpy as np

# ---- cosmology: planck-ref.ini ----
H0 = 67.32117                 # km/s/Mpc
h = H0 / 100
omega_b = 0.02238280          # Omega_b h^2
omega_cdm = 0.1201075         # Omega_cdm h^2
m_ncdm = 0.06                 # eV, one massive neutrino (N_ncdm = 1)
N_ur = 2.046                  # massless neutrinos
T_cmb = 2.7255                # K
n_s = 0.9660499
A_s = 2.100549e-09
k_pivot = 0.05                # 1/Mpc

# ---- derived densities ----
omega_nu = m_ncdm / 94.07     # n_nu = 3/11 n_gamma = 112 /cm^3 for T_ncdm = (4/11)^(1/3) T_cmb
omega_gamma = 2.4728e-5 * (T_cmb / 2.7255) ** 4
omega_r = omega_gamma * (1 + N_ur * 7 / 8 * (4 / 11) ** (4 / 3))   # photons + massless nu
Omega_b = omega_b / h**2
Omega_m = (omega_b + omega_cdm + omega_nu) / h**2   # total matter today (CDM + baryons + nu)
Omega_nu = omega_nu / h**2
Omega_L = 1 - Omega_m - omega_r / h**2                  # flat
theta = T_cmb / 2.7
C_KMS = 299792.458


def trapezoid(y, x):
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * np.diff(x)))


def growth_today():
    """Linear growth D(a=1), normalised to D = a deep in matter domination (flat LCDM integral)."""
    a = np.logspace(-6, 0, 20001)
    E = np.sqrt(Omega_m / a**3 + Omega_L)
    return 2.5 * Omega_m * E[-1] * trapezoid(1 / (a * E) ** 3, a)


def transfer(k):
    """No transfer function yet: T = 1, right only on scales far outside the horizon at equality."""
    return np.ones_like(k)


def power(k):
    """Linear P(k) at z = 0 in (Mpc/h)^3 for k in h/Mpc, normalised by A_s."""
    kM = k * h
    H0_c = H0 / C_KMS                                                      # 1/Mpc
    delta2 = A_s * (kM / k_pivot) ** (n_s - 1) * (2 * kM**2 / (5 * Omega_m * H0_c**2)) ** 2
    return 2 * np.pi**2 / kM**3 * delta2 * (transfer(k) * growth_today()) ** 2 * h**3


def sigma8(k, P):
    x = 8 * k
    W = 3 * (np.sin(x) - x * np.cos(x)) / x**3
    return np.sqrt(trapezoid(P * W**2 * k**3 / (2 * np.pi**2), np.log(k)))


def write_table(path):
    """Writes k [h/Mpc] and P [(Mpc/h)^3] on a log grid covering CLASS's k range."""
    k = np.logspace(-5, 1, 3000)
    P = power(k)
    np.savetxt(path, np.column_stack([k, P]), fmt="%.10e", header="1:k (h/Mpc)  2:P (Mpc/h)^3")
    return k, P


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    k, P = write_table(args.out)
    print(f"sigma8 = {sigma8(k, P):.4f}  ({len(k)} k values, {k[0]:g} to {k[-1]:g} h/Mpc)")
