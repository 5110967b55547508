"""Chinese entity extraction."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from maitre.agent.nlu.entities import EntityType, extract_entities
from maitre.agent.nlu.entities.numbers import zh_to_int
from tests.unit.agent.nlu.test_entities_en import CATALOGUE

WEDNESDAY = date(2024, 5, 8)


def values(text: str, kind: EntityType) -> list[Any]:
    found = extract_entities(text, today=WEDNESDAY, catalogue=CATALOGUE)
    for e in found:
        assert text[e.start : e.end] == e.text
    return [e.value for e in found if e.type is kind]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("十五", 15),
        ("二十三", 23),
        ("一百零五", 105),
        ("一百五", 150),
        ("两千", 2000),
        ("三万五千", 35000),
    ],
)
def test_chinese_numerals(text: str, value: int) -> None:
    assert zh_to_int(text) == value


def test_order_numbers_inside_chinese_text() -> None:
    assert values("我的订单号是A-10432，上周二下的单", EntityType.ORDER_NUMBER) == ["A-10432"]
    assert values("订单1043的状态", EntityType.ORDER_NUMBER) == ["1043"]
    assert values("帮我查一下MT-000123到哪了", EntityType.ORDER_NUMBER) == ["MT-000123"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("上周二下的单", "2024-04-30"),
        ("下周五能到吗", "2024-05-17"),
        ("这周一", "2024-05-06"),
        ("周一买的", "2024-05-06"),
        ("昨天", "2024-05-07"),
        ("前天下的单", "2024-05-06"),
        ("三天前买的", "2024-05-05"),
        ("两周后", "2024-05-22"),
        ("5月3日", "2024-05-03"),
        ("2023年12月25号", "2023-12-25"),
    ],
)
def test_dates(text: str, expected: str) -> None:
    assert [v["date"] for v in values(text, EntityType.DATE)] == [expected]


def test_month_periods() -> None:
    assert values("上个月买的", EntityType.DATE) == [
        {"date": "2024-04-01", "end": "2024-04-30", "grain": "month"}
    ]


def test_email_and_mobile_inside_chinese_text() -> None:
    assert values("我的邮箱是abc@qq.com，手机13800138000", EntityType.EMAIL) == ["abc@qq.com"]
    assert values("手机 138 0013 8000", EntityType.PHONE) == ["+8613800138000"]


@pytest.mark.parametrize(
    ("text", "amount"),
    [("退款100元什么时候到", 100.0), ("花了五十块", 50.0), ("¥88.8", 88.8), ("二十美元", 20.0)],
)
def test_money(text: str, amount: float) -> None:
    assert [v["amount"] for v in values(text, EntityType.MONEY)] == [amount]


def test_quantities_and_kuai_as_a_measure_word() -> None:
    assert values("买了3件T恤", EntityType.QUANTITY) == [{"amount": 3, "unit": "件"}]
    assert values("我想要两副耳机", EntityType.QUANTITY) == [{"amount": 2, "unit": "副"}]
    assert values("两块巧克力", EntityType.QUANTITY) == [{"amount": 2, "unit": "块"}]
    assert values("两块巧克力", EntityType.MONEY) == []


def test_products_by_chinese_name_and_partial_name() -> None:
    assert [v["sku"] for v in values("我想买西湖龙井", EntityType.PRODUCT)] == ["TEA-004"]
    assert [v["sku"] for v in values("龙井还有货吗", EntityType.PRODUCT)] == ["TEA-004"]


def test_addresses() -> None:
    (addr,) = values("请寄到北京市朝阳区建国路88号", EntityType.ADDRESS)
    assert addr == {
        "text": "北京市朝阳区建国路88号",
        "city": "北京市",
        "district": "朝阳区",
        "road": "建国路",
        "number": "88号",
    }
    (flat,) = values("地址改成上海市浦东新区世纪大道100号3号楼502室", EntityType.ADDRESS)
    assert flat["district"] == "浦东新区" and flat["unit"] == "3号楼502室"
    assert values("我住在南京路", EntityType.ADDRESS) == []
