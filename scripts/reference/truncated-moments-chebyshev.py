"""Fit the Chebyshev series behind src/dsl/math/normal-cdf.ts's one-sided truncated-normal moments.

For Z ~ N(0, 1) conditioned on Z > a, a >= 0, with lambda = phi(a) / Q(a):
  the mean excess D(a) = E[Z] - a = lambda - a          (~ 1/a),
  the variance    V(a) = 1 - lambda (lambda - a)       (~ 1/a^2).
Both closed forms cancel catastrophically in float32 as a grows (V(20) would come out 35% wrong), so
D(a) (1 + a) and V(a) (1 + a^2), smooth and bounded on [0, inf), are fitted as Chebyshev series in
t = (a - K) / (a + K), from mpmath at 90 digits. Prints the coefficients and the fits' maximum
relative errors. Run: python3 scripts/reference/truncated-moments-chebyshev.py
"""
import mpmath
import numpy as np
from numpy.polynomial import chebyshev

mpmath.mp.dps = 90
K = 3.0
DEGREE = 16


def moments(a):
    a = mpmath.mpf(a)
    lam = mpmath.sqrt(2 / mpmath.pi) / (mpmath.exp(a * a / 2) * mpmath.erfc(a / mpmath.sqrt(2)))
    return float(lam - a), float(1 - lam * (lam - a))


def targets(t):
    a = K * (1 + t) / (1 - t)
    m = np.array([moments(x) for x in a])
    return m[:, 0] * (1 + a), m[:, 1] * (1 + a * a)


nodes = np.cos(np.pi * (np.arange(DEGREE + 1) + 0.5) / (DEGREE + 1))
excess, variance = targets(nodes)
c_excess = chebyshev.chebfit(nodes, excess, DEGREE)
c_variance = chebyshev.chebfit(nodes, variance, DEGREE)
grid = np.linspace(-1, 1 - 1e-6, 1001)
ref_excess, ref_variance = targets(grid)
print(f"K = {K}, degree {DEGREE}")
print(f"excess: max relative error {np.max(np.abs(chebyshev.chebval(grid, c_excess) / ref_excess - 1)):.2e}")
print("[" + ", ".join(repr(float(c)) for c in c_excess) + "]")
print(f"variance: max relative error {np.max(np.abs(chebyshev.chebval(grid, c_variance) / ref_variance - 1)):.2e}")
print("[" + ", ".join(repr(float(c)) for c in c_variance) + "]")
