from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from maitre.cli.main import app
from maitre.errors import ValidationFailed
from maitre.ml.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel
from maitre.ml.clv_eval import evaluate_clv_table, parse_day
from maitre.ml.clv_features import daily_purchases, holdout_actuals, rfm_summary
from maitre.ml.tabular import read_table
from tests.conftest import SHARED_DATA

CDNOW = SHARED_DATA / "cdnow" / "CDNOW_master.txt"
runner = CliRunner()


def simulate_bgnbd(
    n: int, r: float, alpha: float, a: float, b: float, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw (frequency, recency, T) from the BG/NBD story."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    big_t = rng.uniform(20, 40, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > big_t[i]:
                break
            x[i], t_x[i] = x[i] + 1, t
            if rng.random() < p[i]:
                break
    return x, t_x, big_t


def test_bgnbd_recovers_simulated_parameters() -> None:
    x, t_x, big_t = simulate_bgnbd(6000, r=0.5, alpha=4.0, a=0.8, b=2.5)
    model = BetaGeoModel().fit(x, t_x, big_t)
    p = model.params_
    assert p["r"] == pytest.approx(0.5, rel=0.25)
    assert p["alpha"] == pytest.approx(4.0, rel=0.35)
    assert p["a"] == pytest.approx(0.8, rel=0.5)
    assert p["b"] == pytest.approx(2.5, rel=0.6)
    alive = model.p_alive(x, t_x, big_t)
    assert np.all((alive > 0) & (alive <= 1))
    assert np.all(alive[x == 0] == 1.0)  # BG/NBD customers only drop out after a repeat purchase
    more = model.expected_purchases(20, x, t_x, big_t)
    assert np.all(more >= 0)
    assert model.expected_purchases_new(10) > 0


def test_pareto_nbd_recovers_simulated_parameters() -> None:
    rng = np.random.default_rng(1)
    n = 5000
    lam, mu = rng.gamma(0.6, 1 / 5.0, n), rng.gamma(0.8, 1 / 10.0, n)
    big_t = rng.uniform(20, 40, n)
    end = np.minimum(rng.exponential(1 / mu), big_t)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        times = np.cumsum(rng.exponential(1 / lam[i], 200))
        seen = times[times <= end[i]]
        x[i], t_x[i] = len(seen), (seen[-1] if len(seen) else 0.0)
    p = ParetoNBDModel().fit(x, t_x, big_t).params_
    assert p["r"] == pytest.approx(0.6, rel=0.25)
    assert p["alpha"] == pytest.approx(5.0, rel=0.35)
    assert p["s"] == pytest.approx(0.8, rel=0.5)
    assert p["beta"] == pytest.approx(10.0, rel=0.7)


def test_gamma_gamma_recovers_simulated_parameters() -> None:
    rng = np.random.default_rng(2)
    n = 4000
    nu = rng.gamma(4.0, 1 / 20.0, n)  # q=4, gamma=20
    x = rng.integers(1, 8, n)
    spend = np.array([rng.gamma(6.0, 1 / nu[i], x[i]).mean() for i in range(n)])  # p=6
    model = GammaGammaModel().fit(x, spend)
    assert model.params_["p"] == pytest.approx(6.0, rel=0.2)
    assert model.params_["q"] == pytest.approx(4.0, rel=0.3)
    assert model.params_["gamma"] == pytest.approx(20.0, rel=0.4)
    means = model.expected_spend(np.array([0, 5]), np.array([0.0, 50.0]))
    assert means[0] == pytest.approx(6.0 * 20.0 / 3.0, rel=0.3)


def test_same_day_transactions_count_once() -> None:
    log = pd.DataFrame(
        {
            "c": ["a", "a", "a", "b"],
            "d": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-05"]),
            "v": [10.0, 5.0, 20.0, 7.0],
        }
    )
    daily = daily_purchases(log["c"], log["d"], log["v"])
    assert len(daily) == 3
    summary = rfm_summary(daily, end=pd.Timestamp("2024-01-20"))
    assert summary.loc["a", ["frequency", "recency", "T", "monetary"]].tolist() == [1, 10, 19, 20]
    assert summary.loc["b", "frequency"] == 0
    held = holdout_actuals(
        daily, summary.index, start=pd.Timestamp("2024-01-05"), end=daily.date.max()
    )
    assert held.loc["a", "purchases"] == 1
    assert held.loc["b", "purchases"] == 0


def test_calibration_end_accepts_iso_and_compact() -> None:
    assert parse_day("1997-09-30") == parse_day("19970930") == pd.Timestamp("1997-09-30")
    with pytest.raises(ValidationFailed, match="not a date"):
        parse_day("soon")


def test_calibration_end_outside_the_data_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("c,d,v\na,2024-01-01,1\na,2024-02-01,2\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="must fall inside the data"):
        evaluate_clv_table(
            read_table(path),
            customer_col="c",
            date_col="d",
            amount_col="v",
            calibration_end="2025-01-01",
        )


def test_cli_evaluates_a_cdnow_slice(tmp_path: Path) -> None:
    lines = CDNOW.read_text(encoding="utf-8").splitlines()[:3001]
    path = tmp_path / "cdnow.txt"
    path.write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")  # drop the header: positions
    out = tmp_path / "clv.json"
    result = runner.invoke(
        app,
        [
            *["clv", "evaluate", "--transactions", str(path), "--customer-col", "0"],
            *["--date-col", "1", "--amount-col", "3", "--calibration-end", "1997-09-30"],
            *["--json", str(out)],
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    for key in ("purchases_mae", "purchases_rmse", "value_mae", "total_predicted", "total_actual"):
        assert report[key] >= 0
    assert "purchases_mae" in report["baselines"]["naive"]
    assert report["total_actual"] > 0
    assert 0 < report["p_alive"]["mean"] <= 1


def test_cli_bad_amount_names_column_and_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("c,d,v\na,19970101,1\nb,19970102,lots\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            *["clv", "evaluate", "--transactions", str(path), "--customer-col", "c"],
            *["--date-col", "d", "--amount-col", "v", "--calibration-end", "19970101"],
        ],
    )
    assert result.exit_code == 1
    assert "column 'v': line 3 has 'lots', not a number" in result.output


@pytest.mark.slow
def test_cdnow_reaches_the_targets() -> None:
    report = evaluate_clv_table(
        read_table(CDNOW),
        customer_col="0",
        date_col="1",
        amount_col="3",
        calibration_end="1997-09-30",
    )
    assert report["data"]["customers"] == 23570
    assert report["purchases_mae"] <= 0.82
    assert abs(report["total_predicted"] / report["total_actual"] - 1) <= 0.10
    assert report["purchases_mae"] < report["baselines"]["naive"]["purchases_mae"]
