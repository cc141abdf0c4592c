"""Fit the Chebyshev series behind src/dsl/math/normal-cdf.ts's erfcx.

For x >= 0, (1 + 2x) erfcx(x) is smooth and bounded (1 at 0, 2/sqrt(pi) at infinity). Mapped onto
t = (x - K) / (x + K) in [-1, 1) it is a short Chebyshev series. This script interpolates it at
Chebyshev nodes in float64 (scipy's erfcx as the reference) and prints the coefficients with the
maximum relative error of the fit over a dense grid. Run: python3 scripts/reference/erfcx-chebyshev.py
"""
import numpy as np
from numpy.polynomial import chebyshev
from scipy.special import erfcx

K = 3.0
DEGREE = 12


def target(t):
    x = K * (1 + t) / (1 - t)
    return (1 + 2 * x) * erfcx(x)


nodes = np.cos(np.pi * (np.arange(DEGREE + 1) + 0.5) / (DEGREE + 1))
coefficients = chebyshev.chebfit(nodes, target(nodes), DEGREE)
grid = np.linspace(-1, 1 - 1e-12, 400001)
error = np.max(np.abs(chebyshev.chebval(grid, coefficients) / target(grid) - 1))
print(f"K = {K}, degree {DEGREE}, max relative error {error:.2e}")
print("[" + ", ".join(repr(float(c)) for c in coefficients) + "]")
