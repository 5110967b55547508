"""The scenario format: the built-in suite loads, and bad files give errors naming the problem."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from maitre.agent.evaluation import loader
from maitre.agent.evaluation.schema import Identity

GOOD = """
name: en-demo
language: en
tags: [order_status]
customer: {has_order_status: shipped}
turns:
  - say: "where is {order.number}?"
    expect: {mentions_status: order}
"""


def test_builtin_suite_has_sixty_scenarios_a_third_chinese() -> None:
    scenarios = loader.load_dir()
    by_language = Counter(s.language for s in scenarios)
    assert len(scenarios) >= 60
    assert by_language["zh"] >= 20
    tags = {t for s in scenarios for t in s.tags}
    wanted = {"happy", "missing_slot", "correction", "digression", "wrong_order", "unverified",
              "oos", "angry", "injection", "handoff", "cancel_that", "language_switch"}  # fmt: skip
    assert wanted <= tags
    assert sum(s.csat is not None for s in scenarios) >= 10
    assert any(s.identity is Identity.ANONYMOUS for s in scenarios)


def test_single_scenario_and_list_both_parse() -> None:
    one = loader.parse(GOOD)
    many = loader.parse("scenarios:\n" + "\n".join("  " + line for line in GOOD.splitlines()))
    assert [s.name for s in one] == ["en-demo"]
    assert len(many) == 1 and many[0].identity is Identity.TRUSTED


def test_broken_yaml_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nturns: [\n", encoding="utf-8")
    with pytest.raises(loader.ScenarioError, match=r"bad\.yaml: not valid YAML"):
        loader.load_file(bad)


def test_unknown_field_names_the_field() -> None:
    with pytest.raises(loader.ScenarioError, match=r"en-demo.*turns\.0\.expect\.mention"):
        loader.parse(GOOD.replace("mentions_status: order", "mention: [x]"))


def test_unknown_placeholder_is_refused() -> None:
    with pytest.raises(loader.ScenarioError, match=r"unknown placeholder \{order\.colour\}"):
        loader.parse(GOOD.replace("{order.number}", "{order.colour}"))


def test_order_placeholder_needs_a_customer_selector() -> None:
    text = GOOD.replace("customer: {has_order_status: shipped}\n", "identity: anonymous\n")
    with pytest.raises(loader.ScenarioError, match="needs a `customer` selector"):
        loader.parse(text)


def test_bad_status_and_language_are_refused() -> None:
    with pytest.raises(loader.ScenarioError, match="has_order_status"):
        loader.parse(GOOD.replace("shipped", "teleported"))
    with pytest.raises(loader.ScenarioError, match="language"):
        loader.parse(GOOD.replace("language: en", "language: fr"))


def test_duplicate_names_in_a_directory_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(loader.ScenarioError, match="duplicate scenario names: en-demo"):
        loader.load_dir(tmp_path)


def test_select_by_tag_and_language() -> None:
    scenarios = loader.load_dir()
    zh_injection = loader.select(scenarios, tags=["injection"], language="zh")
    assert zh_injection
    assert all(s.language == "zh" and "injection" in s.tags for s in zh_injection)
