"""Cell parsers read JSON exactly as ``json.loads`` does, errors included."""

from __future__ import annotations

import json

import pytest

from maitre.imports.kinds import parse_object, parse_tags

CELLS = ["[]", '["vip", "b2b"]', '["a",  "b" ]', '["\\u00e9"]', "[1] x", "[1]]", '["a"', "[NaN]"]


def _loads_then(check: str, cell: str) -> object:
    try:
        value = json.loads(cell)
    except json.JSONDecodeError as exc:
        return f"not valid JSON ({exc.msg} at character {exc.pos + 1})"
    if check == "tags" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return "tags must be a JSON list of strings or 'a; b; c'"
    return value


@pytest.mark.parametrize("cell", CELLS)
def test_json_tags_match_json_loads(cell: str) -> None:
    try:
        got: object = parse_tags(cell)
    except ValueError as exc:
        got = str(exc)
    assert got == _loads_then("tags", cell)


@pytest.mark.parametrize("cell", ['{"tier": "gold"}', "{}", '{"a": 1} {', '{"a": }', "{'a': 1}"])
def test_json_objects_match_json_loads(cell: str) -> None:
    try:
        got: object = parse_object(cell)
    except ValueError as exc:
        got = str(exc)
    assert got == _loads_then("object", cell)


def test_plain_tags_split_on_semicolons_and_commas() -> None:
    assert parse_tags("vip; b2b, newsletter;;") == ["vip", "b2b", "newsletter"]
