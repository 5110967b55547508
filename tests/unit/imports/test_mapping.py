"""Mapping files and the column plan: what maps where, and what is refused before any row."""

from __future__ import annotations

import pytest

from maitre.imports.kinds import Customers, parse_object, parse_tags
from maitre.imports.mapping import CellError, ColumnMapping, build_plan, normalise, parse_mapping
from maitre.imports.orders import Orders
from maitre.imports.reader import ImportFileError

SPEC = Customers.spec


def test_short_form_maps_columns_and_ignores_null() -> None:
    mapping = parse_mapping("E-Mail: email\nFull name: name\nNotes: null\n")
    assert mapping.columns == {"E-Mail": "email", "Full name": "name", "Notes": None}
    plan = build_plan(SPEC, ["Full name", "E-Mail", "Notes"], mapping)
    assert plan.convert(["Ada", "ada@example.com", "likes tea"]) == {
        "name": "Ada",
        "email": "ada@example.com",
    }


def test_long_form_sets_constants_on_every_row() -> None:
    mapping = parse_mapping(
        "columns:\n  E-Mail: email\nconstants:\n  language: de\n  tags: [imported]\n"
    )
    plan = build_plan(SPEC, ["name", "E-Mail"], mapping)
    assert plan.convert(["Ada", "a@example.com"]) == {
        "name": "Ada",
        "email": "a@example.com",
        "language": "de",
        "tags": ["imported"],
    }
    assert plan.column_for("language") == "constant language"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [unclosed", "not valid YAML at line 1"),
        ("", "is empty"),
        ("- email\n- name\n", "must map column names to fields"),
        ("columns:\n  E-Mail: [email]\n", "invalid at columns.E-Mail"),
        ("columns: {}\nconstants: {}\nextra: 1\n", "invalid at columns.columns"),
    ],
)
def test_bad_mapping_files_are_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        parse_mapping(text)


def test_header_names_match_fields_ignoring_case_spaces_and_dashes() -> None:
    assert normalise("External ID") == "external_id"
    assert normalise(" E-mail ") == "e_mail"
    plan = build_plan(SPEC, ["Name", "EMAIL", "External ID"], None)
    assert plan.targets == ["name", "email", "external_id"]


def test_export_columns_are_skipped() -> None:
    plan = build_plan(SPEC, ["id", "name", "email", "created_at", "updated_at"], None)
    assert plan.targets == [None, "name", "email", None, None]


def test_unknown_and_missing_columns_are_named_before_any_row() -> None:
    with pytest.raises(ImportFileError) as caught:
        build_plan(SPEC, ["Full name", "Fax"], None)
    message = str(caught.value)
    assert "unknown columns Full name, Fax" in message
    assert "missing required columns: name, email or external_id" in message


def test_mapping_must_fit_the_file_and_the_fields() -> None:
    mapping = ColumnMapping(columns={"Mail": "email", "Nom": "surname"})
    with pytest.raises(ImportFileError) as caught:
        build_plan(SPEC, ["name", "Nom"], mapping)
    assert "the mapping names columns the file lacks: Mail" in str(caught.value)
    assert "unknown fields surname" in str(caught.value)


def test_two_sources_for_one_field_are_refused() -> None:
    mapping = ColumnMapping(columns={"Mail": "email"})
    with pytest.raises(ImportFileError, match="more than one column or constant sets email"):
        build_plan(SPEC, ["name", "email", "Mail"], mapping)


def test_custom_field_columns_merge_into_custom_fields() -> None:
    mapping = ColumnMapping(columns={"Tier": "custom_fields.tier"})
    plan = build_plan(
        SPEC, ["name", "email", "custom_fields", "Tier", "custom_fields.vip"], mapping
    )
    row = plan.convert(["Ada", "a@example.com", '{"since": 2019}', "gold", "yes"])
    assert row["custom_fields"] == {"since": 2019, "tier": "gold", "vip": "yes"}


def test_empty_cells_are_left_out() -> None:
    plan = build_plan(SPEC, ["name", "email", "phone"], None)
    assert plan.convert(["Ada", " a@example.com ", "  "]) == {
        "name": "Ada",
        "email": "a@example.com",
    }


def test_a_cell_that_cannot_be_parsed_names_its_column() -> None:
    plan = build_plan(SPEC, ["name", "email", "Custom Fields"], None)
    with pytest.raises(CellError) as caught:
        plan.convert(["Ada", "a@example.com", "{not json"])
    assert caught.value.column == "Custom Fields"
    assert "not valid JSON" in caught.value.reason


def test_tags_read_as_json_or_separated_list() -> None:
    assert parse_tags('["vip", "a,b"]') == ["vip", "a,b"]
    assert parse_tags("vip; newsletter, b2b ;") == ["vip", "newsletter", "b2b"]
    with pytest.raises(ValueError, match="JSON list of strings"):
        parse_tags("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        parse_object("[1]")


def test_orders_need_number_customer_product_and_quantity() -> None:
    with pytest.raises(ImportFileError) as caught:
        build_plan(Orders.spec, ["status"], None)
    assert (
        "missing required columns: number, customer_id or customer_email or "
        "customer_external_id, sku or product_id, quantity"
    ) in str(caught.value)
