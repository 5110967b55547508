"""Customer lifetime value: BG/NBD and Pareto/NBD for purchases and p(alive), Gamma-Gamma for
spend.

Both are fitted by maximum likelihood with scipy (log-parameters, L-BFGS-B), following
Fader, Hardie & Lee, "Counting your customers the easy way" (2005) and "RFM and CLV" (2005).
They take the usual per-customer summary — ``frequency`` (repeat purchases), ``recency`` (age at
the last purchase), ``T`` (age at the end of the calibration period), ``monetary`` (mean value
of the repeat purchases) — built by ``maitre.ml.clv_features.rfm_summary`` from a transaction log
or, later, from the CRM's orders.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

from maitre.errors import ValidationFailed

FloatArray = npt.NDArray[np.float64]


def _arrays(*values: Any) -> list[FloatArray]:
    return [np.asarray(v, dtype=float) for v in values]


class BetaGeoModel:
    """BG/NBD: purchases at Poisson rate λ ~ Gamma(r, α) until dropping out, p ~ Beta(a, b)."""

    def __init__(self, *, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(self, frequency: Any, recency: Any, T: Any) -> BetaGeoModel:
        """Fit r, α, a, b by maximum likelihood on per-customer (frequency, recency, T)."""
        x, t_x, big_t = _arrays(frequency, recency, T)
        _check_rfm(x, t_x, big_t)
        scale = max(float(big_t.max()), 1.0) / 10.0  # time in units that keep α near 1

        def nll(log_params: FloatArray) -> float:
            r, alpha, a, b = np.exp(log_params)
            ll = _bgnbd_loglik(r, alpha, a, b, x, t_x / scale, big_t / scale)
            return float(-ll.sum() / len(x) + self.penalizer * np.sum(np.exp(log_params) ** 2))

        best = None
        for start in ([0.0, 0.0, 0.0, 0.0], [-1.0, 1.0, -1.0, 1.0], [0.5, 2.0, 0.5, 2.0]):
            res = minimize(nll, np.array(start), method="L-BFGS-B", bounds=[(-12, 12)] * 4)
            if best is None or res.fun < best.fun:
                best = res
        assert best is not None
        r, alpha, a, b = np.exp(best.x)
        self.params_ = {"r": float(r), "alpha": float(alpha * scale), "a": float(a), "b": float(b)}
        self.log_likelihood_ = float(-best.fun * len(x))
        return self

    def _params(self) -> tuple[float, float, float, float]:
        if not hasattr(self, "params_"):
            raise RuntimeError("BetaGeoModel is not fitted; call fit() first")
        p = self.params_
        return p["r"], p["alpha"], p["a"], p["b"]

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> FloatArray:
        """Probability that each customer has not dropped out by ``T``."""
        r, alpha, a, b = self._params()
        x, t_x, big_t = _arrays(frequency, recency, T)
        log_ratio = (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
        odds = np.where(
            x > 0, np.exp(np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) + log_ratio), 0
        )
        return np.asarray(1.0 / (1.0 + odds), dtype=float)

    def expected_purchases(self, t: float, frequency: Any, recency: Any, T: Any) -> FloatArray:
        """Expected purchases in the next ``t`` time units for each customer."""
        r, alpha, a, b = self._params()
        x, t_x, big_t = _arrays(frequency, recency, T)
        z = t / (alpha + big_t + t)
        hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
        shrink = np.exp((r + x) * (np.log(alpha + big_t) - np.log(alpha + big_t + t)))
        first = (a + b + x - 1) / (a - 1) * (1 - shrink * hyp)
        log_ratio = (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
        odds = np.where(
            x > 0, np.exp(np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) + log_ratio), 0
        )
        return np.asarray(first / (1 + odds), dtype=float)

    def expected_purchases_new(self, t: float) -> float:
        """Expected purchases by a newly acquired customer within ``t`` (population curve)."""
        r, alpha, a, b = self._params()
        z = t / (alpha + t)
        hyp = float(hyp2f1(r, b, a + b - 1, z))
        return float((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp))


def _bgnbd_loglik(
    r: float, alpha: float, a: float, b: float, x: FloatArray, t_x: FloatArray, big_t: FloatArray
) -> FloatArray:
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    term1 = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + big_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        term2 = np.where(
            x > 0,
            betaln(a + 1, np.maximum(b + x - 1, 1e-12))
            - betaln(a, b)
            - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return np.asarray(common + np.logaddexp(term1, term2), dtype=float)


_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(32)


class ParetoNBDModel:
    """Pareto/NBD: purchases at rate λ ~ Gamma(r, α) until an exponential lifetime, μ ~ Gamma(s, β).

    The likelihood's integral over the unobserved dropout time is computed by 32-point
    Gauss-Legendre quadrature rather than the hypergeometric closed form, which loses precision
    when its two terms nearly cancel.
    """

    def __init__(self, *, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(self, frequency: Any, recency: Any, T: Any) -> ParetoNBDModel:
        """Fit r, α, s, β by maximum likelihood on per-customer (frequency, recency, T)."""
        x, t_x, big_t = _arrays(frequency, recency, T)
        _check_rfm(x, t_x, big_t)
        scale = max(float(big_t.max()), 1.0) / 10.0

        def nll(log_params: FloatArray) -> float:
            r, alpha, s, beta = np.exp(log_params)
            log_c, _, log_l = _pnbd_parts(r, alpha, s, beta, x, t_x / scale, big_t / scale)
            penalty = self.penalizer * np.sum(np.exp(log_params) ** 2)
            return float(-(log_c + log_l).mean() + penalty)

        best = None
        for start in ([0.0, 0.0, 0.0, 0.0], [-0.5, 1.0, -0.5, 1.0]):
            res = minimize(nll, np.array(start), method="L-BFGS-B", bounds=[(-10, 10)] * 4)
            if best is None or res.fun < best.fun:
                best = res
        assert best is not None
        r, alpha, s, beta = np.exp(best.x)
        self.params_ = {
            "r": float(r),
            "alpha": float(alpha * scale),
            "s": float(s),
            "beta": float(beta * scale),
        }
        self.log_likelihood_ = float(-best.fun * len(x))
        return self

    def _params(self) -> tuple[float, float, float, float]:
        if not hasattr(self, "params_"):
            raise RuntimeError("ParetoNBDModel is not fitted; call fit() first")
        p = self.params_
        return p["r"], p["alpha"], p["s"], p["beta"]

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> FloatArray:
        """Probability that each customer is still active at ``T``."""
        r, alpha, s, beta = self._params()
        x, t_x, big_t = _arrays(frequency, recency, T)
        _, log_alive, log_l = _pnbd_parts(r, alpha, s, beta, x, t_x, big_t)
        return np.asarray(np.exp(log_alive - log_l), dtype=float)

    def expected_purchases(self, t: float, frequency: Any, recency: Any, T: Any) -> FloatArray:
        """Expected purchases in the next ``t`` time units for each customer."""
        r, alpha, s, beta = self._params()
        x, _, big_t = _arrays(frequency, recency, T)
        alive = self.p_alive(frequency, recency, T)
        if abs(s - 1) < 1e-6:
            tail = np.log((beta + big_t + t) / (beta + big_t)) * (beta + big_t)
        else:
            tail = (beta + big_t) / (s - 1) * (1 - ((beta + big_t) / (beta + big_t + t)) ** (s - 1))
        return np.asarray(alive * (r + x) / (alpha + big_t) * tail, dtype=float)


def _pnbd_parts(
    r: float, alpha: float, s: float, beta: float, x: FloatArray, t_x: FloatArray, big_t: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(log constant, log P(x, alive at T) term, log of the bracketed likelihood)."""
    log_c = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    log_alive = -(r + x) * np.log(alpha + big_t) - s * np.log(beta + big_t)
    half = (big_t - t_x) / 2
    tau = ((big_t + t_x) / 2)[:, None] + half[:, None] * _NODES[None, :]
    f = -(r + x)[:, None] * np.log(alpha + tau) - (s + 1) * np.log(beta + tau)
    top = f.max(axis=1)
    with np.errstate(divide="ignore"):
        log_int = np.log(half) + top + np.log(np.exp(f - top[:, None]) @ _WEIGHTS) + np.log(s)
    log_int = np.where(half > 0, log_int, -np.inf)
    return log_c, log_alive, np.logaddexp(log_alive, log_int)


class GammaGammaModel:
    """Gamma-Gamma spend model: a customer's mean spend per purchase, shrunk to the population."""

    def __init__(self, *, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(self, frequency: Any, monetary: Any) -> GammaGammaModel:
        """Fit p, q, γ on customers with at least one repeat purchase and positive spend."""
        x, m = _arrays(frequency, monetary)
        keep = (x > 0) & (m > 0)
        if keep.sum() < 3:
            raise ValidationFailed("too few repeat customers with spend to fit the spend model")
        x, m = x[keep], m[keep]
        scale = float(np.median(m))
        ms = m / scale

        def nll(log_params: FloatArray) -> float:
            p, q, gamma = np.exp(log_params)
            ll = (
                gammaln(p * x + q)
                - gammaln(p * x)
                - gammaln(q)
                + q * np.log(gamma)
                + (p * x - 1) * np.log(ms)
                + p * x * np.log(x)
                - (p * x + q) * np.log(gamma + ms * x)
            )
            return float(-ll.mean() + self.penalizer * np.sum(np.exp(log_params) ** 2))

        best = None
        for start in ([0.0, 1.0, 0.0], [1.0, 1.5, 1.0], [2.0, 2.0, 2.0]):
            res = minimize(nll, np.array(start), method="L-BFGS-B", bounds=[(-10, 10)] * 3)
            if best is None or res.fun < best.fun:
                best = res
        assert best is not None
        p, q, gamma = np.exp(best.x)
        self.params_ = {"p": float(p), "q": float(q), "gamma": float(gamma * scale)}
        return self

    def expected_spend(self, frequency: Any, monetary: Any) -> FloatArray:
        """Expected spend per purchase; customers without repeat purchases get the population's."""
        if not hasattr(self, "params_"):
            raise RuntimeError("GammaGammaModel is not fitted; call fit() first")
        p, q, gamma = self.params_["p"], self.params_["q"], self.params_["gamma"]
        x, m = _arrays(frequency, monetary)
        population = p * gamma / (q - 1) if q > 1 else float("nan")
        m = np.where(np.isfinite(m), m, 0.0)
        individual = (gamma + m * x) * p / np.maximum(p * x + q - 1, 1e-12)
        return np.asarray(np.where(x > 0, individual, population), dtype=float)


def _check_rfm(x: FloatArray, t_x: FloatArray, big_t: FloatArray) -> None:
    if len(x) < 10:
        raise ValidationFailed("too few customers to fit a purchase model (need at least 10)")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > big_t + 1e-9):
        raise ValidationFailed("inconsistent summary: need 0 <= recency <= T and frequency >= 0")
    if np.all(x == 0):
        raise ValidationFailed("no customer bought twice in the calibration period")
