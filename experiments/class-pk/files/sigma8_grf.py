"""Cross-check the sigma8 of pk.py on a Gaussian random field.

Draws white noise on an N^3 grid in a periodic box of side L (Mpc/h), colours
it with sqrt(P(k)), smooths it with an 8 Mpc/h top-hat and prints the rms of
the smoothed density. Needs several arrays of N^3 doubles: 1 GiB each at N = 512.
"""
import argparse

import numpy as np

import pk

parser = argparse.ArgumentParser()
parser.add_argument("--n", type=int, default=128)
parser.add_argument("--box", type=float, default=400.0)
parser.add_argument("--seed", type=int, default=1)
args = parser.parse_args()
N, L = args.n, args.box
cell = L / N
white = np.random.default_rng(args.seed).standard_normal((N, N, N))
kx = 2 * np.pi * np.fft.fftfreq(N, d=cell)
kz = 2 * np.pi * np.fft.rfftfreq(N, d=cell)
k = np.sqrt(kx[:, None, None] ** 2 + kx[None, :, None] ** 2 + kz[None, None, :] ** 2)
k[0, 0, 0] = 1.0
amplitude = np.sqrt(pk.power(k) / cell**3)
amplitude[0, 0, 0] = 0.0
x = 8 * k
tophat = 3 * (np.sin(x) - x * np.cos(x)) / x**3
smoothed = np.fft.irfftn(np.fft.rfftn(white) * amplitude * tophat, s=(N, N, N), axes=(0, 1, 2))
print(f"sigma8 on a {N}^3 grid, box {L:g} Mpc/h: {smoothed.std():.4f} (integral: see pk.py)")
