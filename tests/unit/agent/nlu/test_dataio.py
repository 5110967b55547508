"""Reading training files: every bad file gets one clear message naming the problem and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from maitre.agent.nlu.dataio import (
    MAX_LINE_BYTES,
    OUT_OF_SCOPE,
    TrainingDataError,
    read_training_data,
)
from maitre.agent.nlu.trainer import check, shipped_data


def write(tmp_path: Path, content: str | bytes, name: str = "train.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def test_text_intent_and_text_category_are_both_accepted(tmp_path: Path) -> None:
    a = read_training_data(write(tmp_path, "text,intent\nhello,greeting\nbye,goodbye\n"))
    b = read_training_data(write(tmp_path, "text,category\nhello,greeting\nbye,goodbye\n", "b.csv"))
    assert a.texts == b.texts == ["hello", "bye"]
    assert a.intents == b.intents == ["greeting", "goodbye"]


def test_columns_are_found_in_any_order_and_case(tmp_path: Path) -> None:
    data = read_training_data(write(tmp_path, "Intent, Text ,id\ngreeting,hello,1\n"))
    assert data.texts == ["hello"] and data.intents == ["greeting"]


def test_missing_label_column_names_it(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError) as err:
        read_training_data(write(tmp_path, "text,labl\nhello,greeting\n"))
    assert "missing column 'intent' (or 'category')" in err.value.detail
    assert "'labl'" in err.value.detail


def test_missing_text_column_names_it(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError) as err:
        read_training_data(write(tmp_path, "txt,intent\nhello,greeting\n"))
    assert "missing column 'text'" in err.value.detail


def test_empty_texts_are_skipped_with_their_lines(tmp_path: Path) -> None:
    data = read_training_data(
        write(
            tmp_path, 'text,intent\nhello,greeting\n"",greeting\n   ,goodbye\nbye,\nbye,goodbye\n'
        )
    )
    assert data.texts == ["hello", "bye"]
    joined = " ".join(data.warnings)
    assert "empty text on line(s) 3, 4" in joined
    assert "without an intent on line(s) 5" in joined


def test_mixed_encodings_are_decoded_line_by_line(tmp_path: Path) -> None:
    raw = (
        b"text,intent\n"
        + "café crème,order\n".encode()
        + "我要退货,return\n".encode("gb18030")
        + "naïve résumé,order\n".encode("cp1252")
    )
    data = read_training_data(write(tmp_path, raw))
    assert data.texts == ["café crème", "我要退货", "naïve résumé"]
    assert any("line(s) 3" in w and "GB18030" in w for w in data.warnings)


def test_a_ten_megabyte_line_is_refused_with_its_line_number(tmp_path: Path) -> None:
    path = write(tmp_path, b"text,intent\n" + b"x" * (10 * 1024 * 1024))
    with pytest.raises(TrainingDataError) as err:
        read_training_data(path)
    assert "line 2 is 10,485,760 bytes long" in err.value.detail
    assert f"{MAX_LINE_BYTES:,}" in err.value.detail


def test_a_ten_megabyte_file_on_one_line_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, b"text,intent," + b"y" * (10 * 1024 * 1024))
    with pytest.raises(TrainingDataError) as err:
        read_training_data(path)
    assert "line 1" in err.value.detail


def test_an_unclosed_quote_names_its_line(tmp_path: Path) -> None:
    body = 'text,intent\nhello,greeting\n"oops,greeting\n' + "".join(
        f"row {i},greeting\n" for i in range(40)
    )
    with pytest.raises(TrainingDataError) as err:
        read_training_data(write(tmp_path, body))
    assert "line 3 opens a quote" in err.value.detail


def test_short_rows_name_their_line(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError) as err:
        read_training_data(write(tmp_path, "text,intent\nhello,greeting\nlonely\n"))
    assert "line 3 has 1 field(s)" in err.value.detail


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError, match="empty"):
        read_training_data(write(tmp_path, ""))
    with pytest.raises(TrainingDataError, match="does not exist"):
        read_training_data(tmp_path / "nope.csv")
    with pytest.raises(TrainingDataError, match="no usable rows"):
        read_training_data(write(tmp_path, "text,intent\n,\n", "c.csv"))


def test_oos_spellings_become_out_of_scope(tmp_path: Path) -> None:
    data = read_training_data(write(tmp_path, "text,intent\nweather?,oos\njoke,OUT_OF_SCOPE\n"))
    assert data.intents == [OUT_OF_SCOPE, OUT_OF_SCOPE]


def test_tsv_and_yaml_and_folders(tmp_path: Path) -> None:
    write(tmp_path, "text\tintent\nhello\tgreeting\n", "a.tsv")
    write(tmp_path, "intents:\n  goodbye:\n    examples: [bye, see you]\n", "b.yaml")
    data = read_training_data(tmp_path)
    assert sorted(data.intents) == ["goodbye", "goodbye", "greeting"]


def test_a_single_intent_is_refused() -> None:
    with pytest.raises(TrainingDataError, match="single intent \\('greeting', 2 examples\\)"):
        check(["hi", "hello"], ["greeting", "greeting"])
    check(["hi", "weather"], ["greeting", OUT_OF_SCOPE])
    with pytest.raises(TrainingDataError, match="out_of_scope"):
        check(["weather"], [OUT_OF_SCOPE])


def test_shipped_data_covers_both_languages() -> None:
    data = shipped_data()
    by_intent: dict[str, int] = {}
    for intent in data.intents:
        by_intent[intent] = by_intent.get(intent, 0) + 1
    for name in ("order_status", "return_request", "talk_to_human", "faq", OUT_OF_SCOPE):
        assert by_intent[name] >= 30
    assert any("订单" in t for t in data.texts)


def test_yaml_booleans_are_refused_not_turned_into_true(tmp_path: Path) -> None:
    path = write(tmp_path, "intents:\n  affirm:\n    examples: [yes, sure]\n", "a.yaml")
    with pytest.raises(TrainingDataError, match="is True, not text; put it in quotes"):
        read_training_data(path)
