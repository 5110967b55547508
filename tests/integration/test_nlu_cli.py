"""``maitre nlu`` and ``maitre models``: clear one-line errors, JSON reports, the registry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from maitre.cli.main import app
from maitre.config import get_settings
from maitre.db.session import unit_of_work
from maitre.ml import defaults, registry
from tests.integration.nlu_helpers import ROWS, train_fast, write_csv


@pytest.fixture
def cli(
    db_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CliRunner]:
    monkeypatch.setenv("MAITRE_DATABASE_URL", db_url)
    monkeypatch.setenv("MAITRE_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def one_line_error(output: str) -> str:
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("error:"), output
    return lines[-1]


@pytest.mark.parametrize("label", ["intent", "category"])
def test_evaluate_writes_the_report(cli: CliRunner, tmp_path: Path, label: str) -> None:
    train = write_csv(tmp_path / "train.csv", label=label)
    test_rows = {k: [f"{t}!" for t in v[:3]] for k, v in ROWS.items()}
    test = write_csv(tmp_path / "test.csv", test_rows, label=label)
    out = tmp_path / "report.json"
    result = cli.invoke(
        app,
        [
            "nlu",
            "evaluate",
            "--train",
            str(train),
            "--test",
            str(test),
            "--fast",
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    for key in ("accuracy", "macro_f1", "per_intent", "confusion_pairs", "train_seconds",
                "p50_ms", "p95_ms", "oos_recall", "in_scope_accuracy"):  # fmt: skip
        assert key in report, key
    assert report["accuracy"] >= 0.7
    assert set(report["per_intent"]["greeting"]) == {"precision", "recall", "f1", "support"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("text,labl\nhi,greeting\n", "missing column 'intent' (or 'category')"),
        ("txt,intent\nhi,greeting\n", "missing column 'text'"),
        ("text,intent\nhi,greeting\nhello,greeting\n", "single intent"),
        ("text,intent\n,greeting\n", "no usable rows"),
    ],
)
def test_evaluate_bad_training_files_get_one_clear_line(
    cli: CliRunner, tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    test = write_csv(tmp_path / "test.csv")
    result = cli.invoke(
        app, ["nlu", "evaluate", "--train", str(bad), "--test", str(test), "--fast"]
    )
    assert result.exit_code == 1
    assert message in one_line_error(result.output)


def test_evaluate_refuses_a_huge_single_line(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "huge.csv"
    bad.write_bytes(b"text,intent\n" + b"z" * (10 * 1024 * 1024))
    test = write_csv(tmp_path / "test.csv")
    result = cli.invoke(
        app, ["nlu", "evaluate", "--train", str(bad), "--test", str(test), "--fast"]
    )
    assert result.exit_code == 1
    assert "line 2 is 10,485,760 bytes long" in one_line_error(result.output)


def test_train_parse_list_activate_rollback(
    cli: CliRunner, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    data = write_csv(tmp_path / "train.csv")
    first = cli.invoke(app, ["nlu", "train", "--data", str(data), "--fast"])
    assert first.exit_code == 0, first.output
    assert "Registered nlu v1 (active)" in first.output
    parsed = cli.invoke(app, ["nlu", "parse", "where is order 1043"])
    assert parsed.exit_code == 0, parsed.output
    body = json.loads(parsed.output)
    assert body["intent"] == "order_status" and body["entities"][0]["value"] == "1043"

    bad = tmp_path / "bad.csv"
    bad.write_text("text,intent\nhi,greeting\nhello,greeting\n")
    failed = cli.invoke(app, ["nlu", "train", "--data", str(bad), "--fast"])
    assert failed.exit_code == 1
    assert "single intent" in one_line_error(failed.output)

    assert cli.invoke(app, ["nlu", "train", "--data", str(data), "--fast"]).exit_code == 0
    listed = cli.invoke(app, ["models", "list", "nlu"])
    assert listed.exit_code == 0 and "v2" in listed.output and "v1" in listed.output
    assert cli.invoke(app, ["models", "rollback", "nlu"]).exit_code == 0
    with unit_of_work(session_factory) as s:
        active = registry.get_active(session=s, name="nlu")
        assert active is not None and active.version == 1
    assert cli.invoke(app, ["models", "activate", "nlu", "v2"]).exit_code == 0
    missing = cli.invoke(app, ["models", "activate", "nlu", "7"])
    assert missing.exit_code == 1 and "no version 7" in one_line_error(missing.output)
    bogus = cli.invoke(app, ["models", "activate", "nlu", "seven"])
    assert bogus.exit_code == 1


def test_parse_without_a_model_says_how_to_get_one(cli: CliRunner) -> None:
    result = cli.invoke(app, ["nlu", "parse", "hello"])
    assert result.exit_code == 1
    assert "maitre nlu train" in one_line_error(result.output)


def test_examples_and_review_from_the_cli(cli: CliRunner) -> None:
    added = cli.invoke(app, ["nlu", "add-example", "gift_wrap", "can you gift wrap it"])
    assert added.exit_code == 0, added.output
    dup = cli.invoke(app, ["nlu", "add-example", "gift_wrap", "Can you gift-wrap it?"])
    assert dup.exit_code == 1 and "already has the example" in one_line_error(dup.output)
    intents = cli.invoke(app, ["nlu", "intents"])
    assert "gift_wrap" in intents.output and "order_status" in intents.output
    assert cli.invoke(app, ["nlu", "review"]).exit_code == 0
    assert cli.invoke(app, ["nlu", "remove-example", "1"]).exit_code == 0
    assert cli.invoke(app, ["nlu", "label", "99", "greeting"]).exit_code == 1


def test_train_defaults_is_extensible_and_skips_active_models(
    cli: CliRunner,
    tmp_path: Path,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    def fake_trainer(rt: object, echo: object) -> str:
        calls.append("extra")
        return "extra v1"

    nlu = next(d for d in defaults.DEFAULT_TRAINERS if d.name == "nlu")
    monkeypatch.setattr(
        defaults, "DEFAULT_TRAINERS", (nlu, defaults.DefaultModel("extra", "test", "x:y"))
    )
    monkeypatch.setattr(defaults.DefaultModel, "trainer", lambda self: fake_trainer)
    train_fast(session_factory, get_settings().models_dir, write_csv(tmp_path / "t.csv"))
    result = cli.invoke(app, ["models", "train-defaults", "--if-missing"])
    assert result.exit_code == 0, result.output
    assert "nlu: v1 is active, skipped" in result.output
    assert calls == ["extra"]
    unknown = cli.invoke(app, ["models", "train-defaults", "--only", "nope"])
    assert unknown.exit_code == 1


def test_check_reports_cleaning_without_training(cli: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text(
        "text,intent\nhello,greeting\nHello!,greeting\nbye,goodbye\nbye,greeting\nsee you,goodbye\n"
    )
    result = cli.invoke(app, ["nlu", "check", "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "near duplicate" in result.output and "Label conflict" in result.output
    assert "2 intents, ready to train" in result.output
