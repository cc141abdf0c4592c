"""Reference values for roulette's prior distributions, from scipy in float64.

Writes test/fixtures/distribution-reference.json, which test/dsl/distributions/reference.test.ts reads
(the test needs no Python). Run from the repository root after changing a case:

    python3 scripts/reference/distributions.py

Each distribution case lists points x (inside the support, in both tails, on the edges, outside)
with scipy's logpdf and cdf, quantiles at probabilities from 1e-4 to 1 - 1e-4 (for the sampling
test's empirical-CDF check), and the mean and variance where they exist. Transformed cases compare
a pushforward with the scipy law it equals (exp of a normal is lognorm, an affine map of a beta is
beta with loc and scale); sigmoid, tanh and softplus have no scipy law, so their reference is the
change of variables in float64. Special functions: log_ndtr, ndtri_exp and erfcx. Infinities are
written as the strings "inf" and "-inf" (JSON has no Infinity).
"""
import json
import math
import os

import numpy as np
import scipy
from scipy import special, stats

PROBS = [1e-4, 1e-3, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999]


def encode(v):
    if isinstance(v, (list, tuple, np.ndarray)):
        return [encode(x) for x in v]
    v = float(v)
    if math.isnan(v):
        raise ValueError("NaN in the reference table")
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def f32(v):
    """The float32 value the test will hold: references are computed at it, so the table measures
    the arithmetic, not the rounding of the inputs."""
    return float(np.float32(v))


def case(name, params, make_law, xs, moments=True):
    params = {k: f32(v) for k, v in params.items()}
    law = make_law(**params)
    xs = np.asarray(xs, dtype=np.float32).astype(float)
    with np.errstate(divide="ignore"):
        logpdf = law.logpdf(xs)
    out = {
        "name": name,
        "params": {k: encode(v) for k, v in params.items()},
        "x": encode(xs),
        "logpdf": encode(logpdf),
        "cdf": encode(law.cdf(xs)),
        "quantiles": {"p": PROBS, "x": encode(law.ppf(PROBS))},
    }
    if moments:
        out["mean"] = encode(law.mean())
        out["variance"] = encode(law.var())
    return out


def truncated(loc, scale, low, high, xs):
    def make(loc, scale, low, high):
        return stats.truncnorm((low - loc) / scale, (high - loc) / scale, loc=loc, scale=scale)

    return case("truncatedNormal", {"loc": loc, "scale": scale, "low": low, "high": high}, make, xs)


inf = math.inf
distributions = [
    case("halfNormal", {"scale": 1.0}, lambda scale: stats.halfnorm(scale=scale), [0, 1e-6, 0.3, 1, 2.5, 5, 10, 30, -1e-6, -1]),
    case("halfNormal", {"scale": 2.5}, lambda scale: stats.halfnorm(scale=scale), [0, 0.1, 2.5, 8, 40, -3]),
    case("halfNormal", {"scale": 0.01}, lambda scale: stats.halfnorm(scale=scale), [0, 0.005, 0.02, 0.1]),
    case("cauchy", {"loc": 0.0, "scale": 1.0}, lambda loc, scale: stats.cauchy(loc, scale), [-1e4, -30, -1, -0.1, 0, 0.5, 2, 100, 1e6], moments=False),
    case("cauchy", {"loc": -2.0, "scale": 0.3}, lambda loc, scale: stats.cauchy(loc, scale), [-50, -2.3, -2, -1.7, 0, 10], moments=False),
    case("halfCauchy", {"scale": 1.0}, lambda scale: stats.halfcauchy(scale=scale), [0, 1e-5, 0.5, 1, 10, 1e3, 1e5, -0.5], moments=False),
    case("halfCauchy", {"scale": 5.0}, lambda scale: stats.halfcauchy(scale=scale), [0, 1, 5, 25, 500, -1e-3], moments=False),
    # both bounds finite, across 0
    truncated(0.0, 1.0, -1.0, 2.0, [-1, -0.5, 0, 1, 2, -1.01, 2.5]),
    # narrow interval around the mean (Z small, no tail)
    truncated(0.0, 1.0, -1e-3, 1e-3, [-1e-3, 0, 5e-4, 1e-3, 0.01]),
    # one-sided upper tails: alpha = 3, 8, 20 (Z = 1.3e-3, 6e-16, 2.8e-89)
    truncated(0.0, 1.0, 3.0, inf, [3, 3.1, 3.5, 4, 6, 10, 2.99]),
    truncated(0.0, 1.0, 8.0, inf, [8, 8.05, 8.2, 9, 2]),
    truncated(0.0, 1.0, 20.0, inf, [20, 20.01, 20.1, 21]),
    # one-sided lower tails
    truncated(0.0, 1.0, -inf, -5.0, [-5, -5.1, -6, -9, -4.9]),
    truncated(1.0, 2.0, -inf, -11.0, [-11, -11.2, -14, 0]),
    # a positive prior for a scale: normal(1, 2) kept above 0 (alpha = -0.5)
    truncated(1.0, 2.0, 0.0, inf, [0, 0.5, 1, 3, 10, 30, -0.1]),
    # both bounds in the upper tail, and in the lower
    truncated(0.0, 1.0, 4.0, 5.0, [4, 4.3, 5, 5.5]),
    truncated(2.0, 0.5, -3.0, -2.0, [-3, -2.5, -2, 0]),
    # bounds on both sides far out (the whole normal, in effect)
    truncated(-1.0, 3.0, -40.0, 40.0, [-40, -10, -1, 5, 40]),
]

transformed = []


def transformed_case(base, bijection, law, xs, source):
    xs = np.asarray(xs, dtype=np.float32).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        logpdf = law(xs)
        # d logpdf / dy by central differences, for the test's tolerance: the inverse map's float32
        # rounding of intermediates moves the point it evaluates at.
        h = 1e-6 * np.maximum(np.abs(xs), 1e-3)
        slope = np.where(np.isfinite(logpdf), (law(xs + h) - law(xs - h)) / (2 * h), 0.0)
    slope = np.where(np.isfinite(slope), slope, 0.0)
    transformed.append({"base": base, "bijection": bijection, "x": encode(xs), "logpdf": encode(logpdf), "slope": encode(slope), "source": source})


transformed_case(
    {"name": "normal", "params": {"loc": 0.3, "scale": 0.8}},
    {"name": "exp"},
    stats.lognorm(s=f32(0.8), scale=math.exp(f32(0.3))).logpdf,
    [1e-3, 0.2, 1, 1.35, 5, 40, 0, -1],
    "scipy lognorm(s=0.8, scale=exp(0.3))",
)
transformed_case(
    {"name": "beta", "params": {"concentration1": 2.0, "concentration0": 3.0}},
    {"name": "affine", "loc": -1.0, "scale": 2.0},
    stats.beta(2.0, 3.0, loc=-1.0, scale=2.0).logpdf,
    [-0.99, -0.5, 0, 0.7, 0.999, 1.5, -1.5],
    "scipy beta(2, 3, loc=-1, scale=2)",
)
# y = 2 - 3x, a reflection (negative scale): 2 - y ~ expon(scale 3 / 1.5), so p(y) is scipy's at 2 - y.
ys = np.array([1.9, 0, -3, -20, 2.5])
transformed.append({
    "base": {"name": "exponential", "params": {"rate": 1.5}},
    "bijection": {"name": "affine", "loc": 2.0, "scale": -3.0},
    "x": encode(ys),
    "logpdf": encode(np.where(ys <= 2, stats.expon(scale=3 / 1.5).logpdf(2 - ys), -np.inf)),
    "slope": encode(np.where(ys <= 2, 1.5 / 3, 0.0)),
    "source": "scipy expon(scale=3/1.5) at 2 - y",
})
transformed_case(
    {"name": "halfNormal", "params": {"scale": 1.0}},
    {"name": "affine", "loc": 1.0, "scale": 2.0},
    stats.halfnorm(loc=1.0, scale=2.0).logpdf,
    [1, 1.5, 3, 9, 0.5],
    "scipy halfnorm(loc=1, scale=2)",
)
transformed_case(
    {"name": "normal", "params": {"loc": 0.0, "scale": 1.0}},
    {"name": "compose", "parts": [{"name": "affine", "loc": 0.5, "scale": 2.0}, {"name": "exp"}]},
    stats.lognorm(s=2.0, scale=math.exp(0.5)).logpdf,
    [1e-4, 0.1, 1.6, 30, 1e4],
    "scipy lognorm(s=2, scale=exp(0.5)): exp(0.5 + 2 Z)",
)


def logit_normal(loc, scale):
    def logpdf(y):
        t = np.log(y) - np.log1p(-y)
        return stats.norm(loc, scale).logpdf(t) - np.log(y) - np.log1p(-y)

    return logpdf


transformed_case(
    {"name": "normal", "params": {"loc": 0.5, "scale": 1.2}},
    {"name": "sigmoid"},
    logit_normal(0.5, f32(1.2)),
    [1e-4, 0.1, 0.5, 0.62, 0.95, 0.9999],
    "change of variables in float64: norm.logpdf(logit y) - log(y (1 - y))",
)


def tanh_normal(loc, scale):
    def logpdf(y):
        return stats.norm(loc, scale).logpdf(np.arctanh(y)) - np.log1p(-y * y)

    return logpdf


transformed_case(
    {"name": "normal", "params": {"loc": -0.2, "scale": 0.7}},
    {"name": "tanh"},
    tanh_normal(f32(-0.2), f32(0.7)),
    [-0.999, -0.5, 0, 0.3, 0.99],
    "change of variables in float64: norm.logpdf(atanh y) - log(1 - y^2)",
)


def softplus_normal(loc, scale):
    def logpdf(y):
        x = y + np.log(-np.expm1(-y))
        # dy/dx = sigmoid(x) = 1 - exp(-y)
        return stats.norm(loc, scale).logpdf(x) - np.log(-np.expm1(-y))

    return logpdf


transformed_case(
    {"name": "normal", "params": {"loc": 1.0, "scale": 1.0}},
    {"name": "softplus"},
    softplus_normal(1.0, 1.0),
    [0.01, 0.3, 1.3, 4, 8],
    "change of variables in float64: norm.logpdf(y + log(1 - e^-y)) - log(1 - e^-y)",
)

special_x = [-40, -20, -10, -5, -3, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 3, 5, 8, 10, 20]
erfcx_x = [0, 1e-4, 0.1, 0.5, 1, 2, 2.9, 3, 3.1, 5, 10, 30, 100, 1e4]
log_p = [-1e4, -1000, -100, -20, -5, -1, -0.7, -math.log(2), -0.6, -0.1, -1e-3, -1e-6]
special_x, erfcx_x, log_p = ([f32(v) for v in xs] for xs in (special_x, erfcx_x, log_p))
special_table = {
    "log_ndtr": {"x": encode(special_x), "value": encode(special.log_ndtr(special_x))},
    "ndtri_exp": {"x": encode(log_p), "value": encode(special.ndtri_exp(log_p))},
    "erfcx": {"x": encode(erfcx_x), "value": encode(special.erfcx(erfcx_x))},
}

# The inverse CDF of truncated normals at given uniforms (the reparameterised sampler's map).
quantile_cases = []
for loc, scale, low, high in [(0.0, 1.0, -1.0, 2.0), (0.0, 1.0, 3.0, inf), (0.0, 1.0, 8.0, inf), (0.0, 1.0, -inf, -5.0),
                              (1.0, 2.0, 0.0, inf), (0.0, 1.0, -1e-3, 1e-3), (0.0, 1.0, 4.0, 5.0), (0.0, 1.0, -inf, inf)]:
    u = [f32(v) for v in [1e-6, 0.01, 0.3, 0.5, 0.7, 0.99, 0.999999]]
    loc, scale, low, high = f32(loc), f32(scale), f32(low), f32(high)
    law = stats.truncnorm((low - loc) / scale, (high - loc) / scale, loc=loc, scale=scale)
    quantile_cases.append({"params": {"loc": loc, "scale": scale, "low": encode(low), "high": encode(high)}, "u": u, "x": encode(law.ppf(u))})

table = {
    "generator": "scripts/reference/distributions.py",
    "scipy": scipy.__version__,
    "distributions": distributions,
    "transformed": transformed,
    "special": special_table,
    "truncatedNormalQuantiles": quantile_cases,
}
path = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "distribution-reference.json")
os.makedirs(os.path.dirname(path), exist_ok=True)

def dumps(v):
    return json.dumps(v, allow_nan=False, separators=(",", ":"))


# One case a line, so a change to the table reads as a change to its cases.
lines = ["{"]
for i, (key, value) in enumerate(table.items()):
    comma = "," if i < len(table) - 1 else ""
    if isinstance(value, list):
        lines.append(f" {dumps(key)}: [")
        lines += [f"  {dumps(item)}{',' if j < len(value) - 1 else ''}" for j, item in enumerate(value)]
        lines.append(f" ]{comma}")
    elif isinstance(value, dict):
        lines.append(f" {dumps(key)}: {{")
        lines += [f"  {dumps(k)}: {dumps(v)}{',' if j < len(value) - 1 else ''}" for j, (k, v) in enumerate(value.items())]
        lines.append(f" }}{comma}")
    else:
        lines.append(f" {dumps(key)}: {dumps(value)}{comma}")
lines.append("}")
with open(path, "w") as f:
    f.write("\n".join(lines) + "\n")
print(f"wrote {os.path.normpath(path)}: {len(distributions)} distributions, {len(transformed)} transformed, {len(quantile_cases)} quantile cases")
