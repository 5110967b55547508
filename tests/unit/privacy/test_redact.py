"""PII redaction: what is hidden, what must stay (order numbers, amounts, dates), round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maitre.privacy.detectors import cn_id_ok, iban_ok, luhn_ok, name_variants
from maitre.privacy.redact import Redactor, placeholders_in, redact


def only(text: str, **kwargs: object) -> dict[str, str]:
    """Redact and check the round trip; return the mapping."""
    result = redact(text, **kwargs)  # type: ignore[arg-type]
    assert result.restore(result.text) == text
    return result.mapping


# --- what is hidden -------------------------------------------------------------------------


def test_email_phone_and_name_get_typed_placeholders() -> None:
    text = "I'm Alice Martin, mail alice.martin@example.com or call +1 415-555-0132."
    result = redact(text, extra_names=["Alice Martin"])
    assert result.text == "I'm [NAME_1], mail [EMAIL_1] or call [PHONE_1]."
    assert result.mapping == {
        "[NAME_1]": "Alice Martin",
        "[EMAIL_1]": "alice.martin@example.com",
        "[PHONE_1]": "+1 415-555-0132",
    }


@pytest.mark.parametrize(
    "phone",
    [
        "+1 415-555-0132",
        "+1 555 123 4567",  # not a real US number: any "+" international number is hidden
        "+44 20 7946 0958",
        "+86 138 1234 5678",
        "+86-138-1234-5678",
        "+8613812345678",
        "0086 13812345678",
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "(415) 555-0132",
        "020 7946 0958",
        "0755-86013388",
        "010-65529988",
        "400-820-8888",
        "１３８１２３４５６７８",  # full-width digits
    ],
)
def test_phone_formats_are_hidden(phone: str) -> None:
    assert only(f"my number is {phone}, thanks") == {"[PHONE_1]": phone}


@pytest.mark.parametrize(
    "text",
    ["我的手机是13812345678谢谢", "电话：138 1234 5678。", "手机号+86 13912345678，请尽快联系"],
)
def test_chinese_mobile_inside_chinese_text_is_hidden(text: str) -> None:
    mapping = only(text)
    assert list(mapping) == ["[PHONE_1]"]
    assert "1" not in redact(text).text.replace("[PHONE_1]", "")


@pytest.mark.parametrize(
    "card", ["4111 1111 1111 1111", "4111111111111111", "5500-0000-0000-0004", "378282246310005"]
)
def test_luhn_valid_cards_are_hidden(card: str) -> None:
    assert only(f"card {card} please") == {"[CARD_1]": card}


@pytest.mark.parametrize(
    "iban",
    [
        "DE89 3704 0044 0532 0130 00",
        "DE89370400440532013000",
        "GB82WEST12345698765432",
        "GB82 WEST 1234 5698 7654 32",
        "NL91 ABNA 0417 1643 00",
        "FR14 2004 1010 0505 0001 3M02 606",
    ],
)
def test_ibans_are_hidden_without_eating_the_next_word(iban: str) -> None:
    result = redact(f"wire to {iban} today")
    assert result.text == "wire to [IBAN_1] today"
    assert result.mapping == {"[IBAN_1]": iban}


def test_chinese_id_number_is_hidden() -> None:
    assert only("身份证号11010519491231002X，请核实") == {"[CN_ID_1]": "11010519491231002X"}


def test_ip_addresses_are_hidden() -> None:
    mapping = only("login from 192.168.1.10 and 2001:db8::1 at 12:30:45")
    assert mapping == {"[IP_1]": "192.168.1.10", "[IP_2]": "2001:db8::1"}


@pytest.mark.parametrize(
    "address",
    [
        "221B Baker Street, London NW1 6XE",
        "1600 Pennsylvania Avenue NW, Washington, DC 20500",
        "42 Main St, Apt 4B",
        "Hauptstraße 5",
        "上海市浦东新区世纪大道100号5楼501室",
        "广州市天河区天河路385号",
        "北京市朝阳区建国路88号",
    ],
)
def test_street_addresses_are_hidden(address: str) -> None:
    text = f"Ship to {address}. 谢谢"
    assert only(text) == {"[ADDRESS_1]": address}


def test_chinese_address_does_not_swallow_the_lead_in() -> None:
    result = redact("我想把地址改为北京市朝阳区建国路88号")
    assert result.text == "我想把地址改为[ADDRESS_1]"


def test_given_names_and_their_parts_are_hidden() -> None:
    result = redact(
        "Dear Alice Martin, thanks Alice. Ms. Martin's parcel", extra_names=["Alice Martin"]
    )
    assert result.text == "Dear [NAME_1], thanks [NAME_2]. Ms. [NAME_3]'s parcel"


def test_chinese_name_and_given_name_are_hidden() -> None:
    result = redact("王小明您好，小明的订单MT-000456已发货", extra_names=["王小明"])
    assert result.text == "[NAME_1]您好，[NAME_2]的订单MT-000456已发货"


def test_name_is_matched_as_a_word_only() -> None:
    assert only("Alicent and Ann went to Annapolis", extra_names=["Ann"]) == {"[NAME_1]": "Ann"}


def test_self_introduced_names_are_hidden() -> None:
    assert only("Hello, my name is John Smith.") == {"[NAME_1]": "John Smith"}
    assert only("你好，我叫李雷，我要退货") == {"[NAME_1]": "李雷"}


def test_name_inside_an_email_stays_part_of_the_email() -> None:
    result = redact("alice@example.com", extra_names=["Alice"])
    assert result.text == "[EMAIL_1]"


# --- what must stay -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Order MT-000123 placed on 2024-05-01 for $1,234.56",
        "订单号是1043，2024-05-01下单，一共3件，共计199元",
        "dates 20240501, 12/05/2024, 05.12.2024, 2024/05/01, 2024年5月1日 10:30",
        "order #1043, amount 12345.67, qty 3, refund ¥13,812.00",
        "tracking 1Z999AA10123456784 and SF1234567890123",
        "not a card: 1234567812345678 (fails Luhn)",
        "timestamp 1700000000 and year 2024",
        "I bought 2 Apple Watch bands on Main Street",
        "the time is 12:30:45",
        "MT-13812345678",
    ],
)
def test_order_numbers_amounts_and_dates_are_not_pii(text: str) -> None:
    result = redact(text)
    assert result.text == text
    assert result.mapping == {}


def test_invalid_chinese_id_is_left_alone() -> None:
    assert redact("号码110105194912310021").text == "号码110105194912310021"


def test_nothing_to_hide() -> None:
    assert redact("").text == ""
    assert redact("Where is my parcel?", extra_names=[None, "", "  "]).mapping == {}


# --- placeholders ---------------------------------------------------------------------------


def test_same_value_gets_the_same_placeholder() -> None:
    result = redact("a@b.co, c@d.co and a@b.co again")
    assert result.text == "[EMAIL_1], [EMAIL_2] and [EMAIL_1] again"


def test_redactor_shares_placeholders_across_texts() -> None:
    r = Redactor(extra_names=["Alice Martin"])
    first = r.redact("Alice Martin: alice@example.com")
    second = r.redact("write to alice@example.com or bob@example.com, Alice Martin")
    assert first == "[NAME_1]: [EMAIL_1]"
    assert second == "write to [EMAIL_1] or [EMAIL_2], [NAME_1]"
    assert r.restore("[EMAIL_2] / [NAME_1]") == "bob@example.com / Alice Martin"


def test_restore_tolerates_a_model_respelling_placeholders() -> None:
    result = redact("call 13812345678", extra_names=[])
    assert result.restore("请拨打【PHONE_1】或 [phone 1]") == "请拨打13812345678或 13812345678"


def test_restore_leaves_unknown_placeholders() -> None:
    result = redact("alice@example.com")
    assert result.restore("[EMAIL_1] [EMAIL_7] [NAME_1]") == "alice@example.com [EMAIL_7] [NAME_1]"
    assert placeholders_in("x [EMAIL_7] y 【name_2】") == ["[EMAIL_7]", "[NAME_2]"]


# --- validators -----------------------------------------------------------------------------


def test_checksums() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert iban_ok("DE89370400440532013000") and not iban_ok("DE89370400440532013001")
    assert not iban_ok("DE8937040044053201300")  # wrong length for DE
    assert cn_id_ok("11010519491231002X") and not cn_id_ok("110105194912310021")


def test_name_variants() -> None:
    assert name_variants("Dr. Alice  Martin") == {"Dr. Alice Martin", "Alice", "Martin"}
    assert name_variants("王小明") == {"王小明", "小明"}
    assert name_variants("李雷") == {"李雷"}
    assert name_variants(" ") == set()


def test_placeholder_text_in_the_input_is_never_issued_or_restored() -> None:
    text = "my email is [EMAIL_1], really it is bob@example.com"
    result = redact(text)
    assert result.text == "my email is [EMAIL_1], really it is [EMAIL_2]"
    assert result.mapping == {"[EMAIL_2]": "bob@example.com"}
    assert result.restore(result.text) == text


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=12),
            st.sampled_from(
                [
                    "alice@example.com",
                    "+1 415-555-0132",
                    "13812345678",
                    "MT-000123",
                    "2024-05-01",
                    "$1,234.56",
                    "4111 1111 1111 1111",
                    "DE89 3704 0044 0532 0130 00",
                    "192.168.0.1",
                    "Alice",
                    "王小明",
                    "[EMAIL_1]",
                    "【NAME_2】",
                    " ",
                    "，",
                    "上海市浦东新区世纪大道100号",
                ]
            ),
        ),
        max_size=12,
    )
)
def test_redaction_round_trips_any_text(parts: list[str]) -> None:
    text = "".join(parts)
    result = redact(text, extra_names=["Alice Martin", "王小明"])
    assert result.restore(result.text) == text
    for original in result.mapping.values():
        assert original in text
    for placeholder in result.mapping:
        assert placeholder in result.text
