"""Flow files: validated on load with errors naming the file and key; admins may override."""

from __future__ import annotations

from pathlib import Path

import pytest

from maitre.agent.dialogue.flows import (
    SHIPPED_FLOWS,
    FlowConfigError,
    build,
    flow_files,
    load_flows,
)
from maitre.config import Settings


def _settings(tmp_path: Path, flows_dir: Path | None) -> Settings:
    return Settings(data_dir=tmp_path, flows_dir=flows_dir)


def test_shipped_flows_load_and_map_intents() -> None:
    flows = load_flows()
    assert flows.for_intent("order_status") is flows.get("order_status")
    cancel = flows.get("cancel_order")
    assert cancel is not None and cancel.confirm and cancel.verify
    assert flows.get("faq") is not None and flows.get("faq").kind == "kb"  # type: ignore[union-attr]


def test_flows_are_cached_until_a_file_changes(tmp_path: Path) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "extra.yaml").write_text("intents: [custom_intent]\nkind: smalltalk\nreply: ack.ok\n")
    settings = _settings(tmp_path, folder)
    first = load_flows(settings)
    assert load_flows(settings) is first
    (folder / "extra.yaml").write_text("intents: [other_intent]\nkind: smalltalk\nreply: ack.ok\n")
    import os

    os.utime(folder / "extra.yaml", ns=(1, 10**18))
    second = load_flows(settings)
    assert second is not first and second.for_intent("other_intent") is not None


def test_override_folder_replaces_a_shipped_flow(tmp_path: Path) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "goodbye.yaml").write_text("intents: [goodbye]\nkind: smalltalk\nreply: ack.ok\n")
    flows = load_flows(_settings(tmp_path, folder))
    goodbye = flows.get("goodbye")
    assert goodbye is not None and goodbye.reply == "ack.ok"
    assert len(flow_files(_settings(tmp_path, folder))) == len(list(SHIPPED_FLOWS.glob("*.yaml")))


def test_missing_override_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FlowConfigError, match="does not exist"):
        load_flows(_settings(tmp_path, tmp_path / "nope"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("intents: []\n", "intents"),
        ("intents: [x]\nslots:\n  - name: n\n    entity: colour\n", "slots.0.entity"),
        ("intents: [x]\nkind: weird\n", "kind"),
        ("intents: [x]\nargs: {a: nowhere}\n", "args"),
        ("intents: [x]\nargs: {a: 'slot:ghost'}\n", "no slot named 'ghost'"),
        ("intents: [x]\nunknown_key: 1\n", "unknown_key"),
        ("- just a list\n", "mapping"),
        ("intents: [x\n", "cannot read"),
        ("intents: [order_status]\n", "already starts flow"),
    ],
)
def test_invalid_flow_names_file_and_key(tmp_path: Path, body: str, message: str) -> None:
    bad = tmp_path / "zz_bad.yaml"
    bad.write_text(body)
    paths = [*sorted(SHIPPED_FLOWS.glob("*.yaml")), bad]
    with pytest.raises(FlowConfigError) as info:
        build(paths)
    assert "zz_bad.yaml" in str(info.value)
    assert message in str(info.value)
