from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from maitre.cli.main import app
from maitre.errors import ValidationFailed
from maitre.ml.churn import ChurnModel, cost_threshold
from maitre.ml.churn_eval import encode_target, evaluate_churn_table
from maitre.ml.explain import describe, label, shapley_values
from maitre.ml.table_features import TableFeatures
from maitre.ml.tabular import read_table
from tests.conftest import SHARED_DATA

TELCO = SHARED_DATA / "telco_churn" / "WA_Fn-UseC_-Telco-Customer-Churn.csv"
runner = CliRunner()


def planted_table(n: int = 800, seed: int = 0) -> pd.DataFrame:
    """Customers who churn when on a monthly contract with under two years of tenure (2% noise)."""
    rng = np.random.default_rng(seed)
    tenure = rng.integers(0, 72, n)
    contract = rng.choice(["Month-to-month", "One year", "Two year"], n, p=[0.5, 0.3, 0.2])
    churn = (contract == "Month-to-month") & (tenure < 24)
    churn ^= rng.random(n) < 0.02
    charges = rng.normal(70, 20, n).round(2).astype(str)
    charges[rng.random(n) < 0.03] = " "  # blanks, as in Telco's TotalCharges
    return pd.DataFrame(
        {
            "customer": [f"C{i:05d}" for i in range(n)],
            "tenure": tenure.astype(str),
            "contract": contract,
            "charges": charges,
            "paperless": rng.choice(["Yes", "No"], n),
            "region": rng.choice(["north", "south", "east", "west"], n),
            "status": np.where(churn, "churned", "stayed"),
        },
        index=pd.RangeIndex(2, n + 2, name="line"),
    ).replace({" ": np.nan})


def test_planted_rule_is_found_with_reasons() -> None:
    report = evaluate_churn_table(
        planted_table(), target="status", id_column="customer", n_examples=3, explain_rows=20
    )
    assert report["roc_auc"] > 0.85
    top = [f["feature"] for f in report["top_features"][:2]]
    assert set(top) == {"tenure", "contract"}
    assert report["data"]["positive_label"] == "churned"
    assert report["baselines"]["logistic_regression"]["roc_auc"] > 0.5
    riskiest = max(report["examples"], key=lambda e: e["churn_probability"])
    texts = " ".join(r["text"] for r in riskiest["reasons"])
    assert "contract: month-to-month" in texts or "tenure of" in texts
    for key in ("roc_auc", "pr_auc", "brier", "f1_at_threshold", "threshold"):
        assert key in report["baselines"]["logistic_regression"]


def test_model_follows_the_estimator_contract() -> None:
    table = planted_table(300)
    y = (table.pop("status") == "churned").astype(int).to_numpy()
    X = TableFeatures().fit_transform(table.drop(columns="customer"))
    model = ChurnModel(members=("gbm", "lr"), cv_folds=3)
    assert model.get_params()["cv_folds"] == 3
    with pytest.raises(Exception, match="not fitted"):
        model.predict_proba(X)
    assert model.fit(X, y) is model
    proba = model.predict_proba(X)
    assert proba.shape == (300, 2)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert roc_auc_score(y, proba[:, 1]) > 0.9
    assert set(model.describe()["blend"]) <= {"gbm", "lr"}


def test_table_features_ignore_ids_and_constants_and_parse_text_numbers() -> None:
    frame = pd.DataFrame(
        {
            "CustomerId": [str(1000 + i) for i in range(60)],
            "const": ["x"] * 60,
            "amount": [f"{i},000.5" if i % 2 else str(i) for i in range(60)],
            "flag": ["Yes", "No"] * 30,
            "signup": [f"2024-01-{i % 28 + 1:02d}" for i in range(60)],
        }
    )
    features = TableFeatures().fit(frame)
    assert features.ignored_ == {"CustomerId": "looks like an identifier", "const": "constant"}
    out = features.transform(frame)
    assert out["amount"].iloc[1] == 1000.5
    assert out["flag"].tolist()[:2] == [1.0, 0.0]
    assert out["signup (days before latest)"].max() == 27
    unseen = features.transform(frame.assign(flag="Maybe").head(2))
    assert unseen["flag"].isna().all()


@pytest.mark.parametrize(
    ("values", "positive"),
    [
        (["Yes", "No", "No"], "Yes"),
        (["1", "0", "0"], "1"),
        (["True", "False", "False"], "True"),
        (["stayed", "churned", "stayed"], "churned"),
        (["Attrited Customer", "Existing Customer", "Existing Customer"], "Attrited Customer"),
        (["a", "b", "b"], "a"),
    ],
)
def test_target_values_map_to_the_churn_class(values: list[str], positive: str) -> None:
    codes, pos, _ = encode_target(pd.Series(values, name="t"))
    assert pos == positive
    assert codes.tolist() == [1 if v == positive else 0 for v in values]


def test_target_with_three_values_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="exactly two values, found 3"):
        encode_target(pd.Series(["a", "b", "c"], name="t"))


def test_threshold_follows_the_stated_costs() -> None:
    assert cost_threshold(lost_cost=500, offer_cost=50, offer_success=0.3) == pytest.approx(1 / 3)
    with pytest.raises(ValidationFailed):
        cost_threshold(lost_cost=0, offer_cost=50, offer_success=0.3)


def test_shapley_values_of_a_linear_score_are_exact() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=30), "b": rng.normal(size=30)})

    def score(x: pd.DataFrame) -> np.ndarray:
        return np.asarray(2 * x["a"] - x["b"])

    values = shapley_values(score, frame.head(3), frame)
    expected = np.column_stack(
        [2 * (frame["a"].head(3) - frame["a"].mean()), -(frame["b"].head(3) - frame["b"].mean())]
    )
    assert np.allclose(values, expected)


def test_reasons_read_as_words() -> None:
    assert label("MonthlyCharges") == "monthly charges"
    assert describe("tenure", 2.0) == "tenure of 2"
    assert describe("Contract", "Month-to-month") == "contract: month-to-month"
    assert describe("PaperlessBilling", 1.0, binary=True) == "paperless billing: yes"
    assert describe("days", 140.0, templates={"days": "no order for {value:.0f} days"}) == (
        "no order for 140 days"
    )


def test_cli_evaluates_a_telco_slice(tmp_path: Path) -> None:
    lines = TELCO.read_text(encoding="utf-8").splitlines()[:301]
    csv = tmp_path / "telco.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "report.json"
    result = runner.invoke(
        app,
        [
            *["churn", "evaluate", "--csv", str(csv), "--target", "Churn"],
            *["--id", "customerID", "--json", str(out)],
        ],
    )
    assert result.exit_code == 0, result.output
    report = pd.read_json(out, typ="series")
    assert 0.5 < report["roc_auc"] <= 1.0
    assert "logistic_regression" in report["baselines"]


def test_cli_bad_target_is_one_line_error(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    result = runner.invoke(app, ["churn", "evaluate", "--csv", str(csv), "--target", "churn"])
    assert result.exit_code == 1
    assert "column 'churn' not found" in result.output
    assert "Traceback" not in result.output


def test_cli_garbage_file_is_one_line_error(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text("a,b,churn\n1,2,Yes\n3,4,No,extra\n", encoding="utf-8")
    result = runner.invoke(app, ["churn", "evaluate", "--csv", str(csv), "--target", "churn"])
    assert result.exit_code == 1
    assert "line 3: expected 3 fields, saw 4" in result.output


@pytest.mark.slow
def test_telco_reaches_the_target_auc() -> None:
    report = evaluate_churn_table(read_table(TELCO), target="Churn", id_column="customerID")
    assert report["roc_auc"] >= 0.85
    assert report["data"]["positive_label"] == "Yes"
    assert report["top_features"][0]["feature"] in {"tenure", "Contract"}
