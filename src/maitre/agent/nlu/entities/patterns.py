"""Exact-pattern extractors: emails, order numbers, SKUs, phone numbers, money, quantities."""

from __future__ import annotations

import re
from collections.abc import Iterator

from maitre.agent.nlu.entities.base import Entity, EntityType, Source, make
from maitre.agent.nlu.entities.numbers import EN_NUMBER_WORDS, ZH_NUMERAL_CHARS, to_number

EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-])",
    re.ASCII,
)
_ID = r"#?\s?(?P<id>[A-Za-z]{0,6}-?\d[A-Za-z0-9-]{1,23}|\d{3,24})"
ORDER_EN = re.compile(
    r"\b(?:order|purchase|package|parcel|shipment)\s*(?:number|no\.?|num(?:ber)?|id|#|ref(?:erence)?)?"
    r"\s*(?:is|was|:)?\s*" + _ID + r"(?![\w-])",
    re.IGNORECASE | re.ASCII,
)
ORDER_ZH = re.compile(
    r"(?:订单|单号|订单号|订单编号|订单号码|包裹)\s*(?:号码|编号|号)?\s*(?:是|为|:|：)?\s*"
    + _ID
    + r"(?![\w-])",
    re.ASCII,
)
ORDER_HASH = re.compile(r"(?<![\w#&])#\s?(?P<id>\d{3,20})(?![\w-])", re.ASCII)
ORDER_CODE = re.compile(
    r"\b(?P<id>(?:ORD|ORDER|SO|PO|MT)-?\d{3,}(?:-\d+)*|[A-Z]{2,4}-\d{6,})\b",
    re.IGNORECASE | re.ASCII,
)
SKU_KEYWORD = re.compile(
    r"(?:\b(?:sku|item\s*(?:number|no\.?|#|code)|product\s*(?:code|id|number|no\.?)|model\s*(?:number|no\.?)?)"
    r"|货号|商品编号|型号|商品号)\s*(?:is|:|：|是)?\s*#?\s*(?P<id>[A-Za-z0-9][A-Za-z0-9-]{2,30})(?![\w-])",
    re.IGNORECASE | re.ASCII,
)
PHONE_INTL = re.compile(
    r"(?<![\w+])\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,5}(?:[\s.-]?\d{2,5}){1,4}(?!\d)",
    re.ASCII,
)
PHONE_US = re.compile(r"(?<![\w-])(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\d-])", re.ASCII)
PHONE_CN = re.compile(r"(?<!\d)1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)", re.ASCII)
PHONE_LOCAL = re.compile(r"(?<![\w-])0\d{2,4}[\s-]\d{3,4}[\s-]?\d{3,4}(?![\d-])", re.ASCII)
PHONE_CONTEXT = re.compile(
    r"(?:phone|mobile|cell|tel|telephone|call me|text me|电话|手机|手机号|联系方式)"
    r"\s*(?:is|:|：|是|at|on)?\s*(?P<num>\d[\d\s-]{6,16}\d)(?!\d)",
    re.IGNORECASE | re.ASCII,
)

_CURRENCY_PREFIX = {
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "€": "EUR",
    "eur": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "¥": "CNY",
    "￥": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "hk$": "HKD",
    "hkd": "HKD",
}
_CURRENCY_SUFFIX = {
    "dollar": "USD",
    "dollars": "USD",
    "bucks": "USD",
    "usd": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "eur": "EUR",
    "pound": "GBP",
    "pounds": "GBP",
    "gbp": "GBP",
    "quid": "GBP",
    "yuan": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "元": "CNY",
    "块": "CNY",
    "块钱": "CNY",
    "元钱": "CNY",
    "人民币": "CNY",
    "美元": "USD",
    "美金": "USD",
    "欧元": "EUR",
    "英镑": "GBP",
    "港币": "HKD",
}
_AMOUNT = r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?"
_ZH_AMOUNT = f"[{ZH_NUMERAL_CHARS}]+"
MONEY_PREFIX = re.compile(
    r"(?<![\w$])(?P<cur>US\$|HK\$|\$|€|£|¥|￥|USD|EUR|GBP|RMB|CNY|HKD)\s?(?P<amt>"
    + _AMOUNT
    + r")(?![\d.])",
    re.IGNORECASE | re.ASCII,
)
MONEY_SUFFIX = re.compile(
    r"(?<![\w.])(?P<amt>" + _AMOUNT + "|" + _ZH_AMOUNT + r")\s?"
    r"(?P<cur>块钱|元钱|人民币|美元|美金|欧元|英镑|港币|元|块(?![\u4e00-\u9fff])"
    r"|(?:dollars?|bucks|euros?|pounds?|quid|yuan|rmb|usd|eur|gbp|cny)\b)",
    re.IGNORECASE | re.ASCII,
)
_EN_UNITS = (
    r"pieces?|pcs|items?|units?|pairs?|boxes?|packs?|packets?|bottles?|sets?|bags?|cans?|cases?|"
    r"copies|copy|rolls?|bundles?|cartons?"
)
QTY_EN = re.compile(
    r"(?<![\w.$€£¥-])(?P<num>\d{1,3}|"
    + EN_NUMBER_WORDS
    + r")\s+(?:x\s+)?(?:(?P<unit>"
    + _EN_UNITS
    + r")\b"
    r"(?:\s+of)?|(?P<noun>(?!(?:days?|weeks?|months?|years?|hours?|minutes?|mins?|seconds?|times?|"
    r"am|pm|percent|%|dollars?|bucks|euros?|pounds?|yuan|st|nd|rd|th|of|and|or|to|more|less|"
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b)"
    r"[a-z][a-z-]{2,}))",
    re.IGNORECASE | re.ASCII,
)
QTY_TIMES = re.compile(
    r"(?<![\w])(?:x\s?(?P<a>\d{1,4})|(?P<b>\d{1,4})\s?x)(?![\w])", re.IGNORECASE | re.ASCII
)
QTY_LABEL = re.compile(
    r"\b(?:qty|quantity)\s*(?:of|:|is)?\s*(?P<num>\d{1,4})\b", re.IGNORECASE | re.ASCII
)
QTY_ZH = re.compile(
    r"(?P<num>\d{1,4}|["
    + ZH_NUMERAL_CHARS
    + r"]{1,4})\s?(?P<unit>件|个|双|条|瓶|盒|包|台|只|套|本|张|份|箱|支|袋|把|副|顶|罐"
    r"|块(?=[\u4e00-\u9fff]))",
    re.ASCII,
)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def emails(text: str) -> Iterator[Entity]:
    """Yield email addresses, lower-cased."""
    for m in EMAIL.finditer(text):
        yield make(EntityType.EMAIL, text, m.start(), m.end(), m.group(0).lower(), Source.REGEX)


def order_numbers(text: str) -> Iterator[Entity]:
    """Yield order numbers named as such ("order 1043", "订单号1043", "#1043", "ORD-1043")."""
    for pattern in (ORDER_EN, ORDER_ZH, ORDER_HASH, ORDER_CODE):
        for m in pattern.finditer(text):
            ident = m.group("id").strip()
            if not any(ch.isdigit() for ch in ident):
                continue
            start = m.start("id")
            if text[start - 1 : start] == "#":
                start -= 1
            yield make(
                EntityType.ORDER_NUMBER, text, start, m.end("id"), ident.upper(), Source.REGEX
            )


def skus(text: str) -> Iterator[Entity]:
    """Yield product codes introduced by a keyword ("SKU AB-123", "货号 AB123")."""
    for m in SKU_KEYWORD.finditer(text):
        ident = m.group("id")
        if any(ch.isdigit() for ch in ident):
            yield make(
                EntityType.SKU, text, m.start("id"), m.end("id"), ident.upper(), Source.REGEX
            )


def phones(text: str) -> Iterator[Entity]:
    """Yield phone numbers, normalised to ``+<digits>`` where the country is known."""
    for m in PHONE_INTL.finditer(text):
        digits = _digits(m.group(0))
        if 8 <= len(digits) <= 15:
            yield make(EntityType.PHONE, text, m.start(), m.end(), "+" + digits, Source.REGEX)
    for m in PHONE_CN.finditer(text):
        value = "+86" + _digits(m.group(0))
        yield make(EntityType.PHONE, text, m.start(), m.end(), value, Source.REGEX, 0.95)
    for m in PHONE_US.finditer(text):
        value = "+1" + _digits(m.group(0))
        yield make(EntityType.PHONE, text, m.start(), m.end(), value, Source.REGEX, 0.9)
    for m in PHONE_LOCAL.finditer(text):
        yield make(
            EntityType.PHONE, text, m.start(), m.end(), _digits(m.group(0)), Source.REGEX, 0.9
        )
    for m in PHONE_CONTEXT.finditer(text):
        digits = _digits(m.group("num"))
        if 7 <= len(digits) <= 15:
            yield make(
                EntityType.PHONE, text, m.start("num"), m.end("num"), digits, Source.REGEX, 0.9
            )


def money(text: str) -> Iterator[Entity]:
    """Yield amounts with a currency: ``{"amount": 19.99, "currency": "USD"}``."""
    for m in MONEY_PREFIX.finditer(text):
        amount = to_number(m.group("amt"))
        if amount is not None:
            value = {"amount": amount, "currency": _CURRENCY_PREFIX[m.group("cur").lower()]}
            yield make(EntityType.MONEY, text, m.start(), m.end(), value, Source.REGEX)
    for m in MONEY_SUFFIX.finditer(text):
        amount = to_number(m.group("amt"))
        if amount is not None:
            value = {"amount": amount, "currency": _CURRENCY_SUFFIX[m.group("cur").lower()]}
            yield make(EntityType.MONEY, text, m.start(), m.end(), value, Source.REGEX)


def quantities(text: str) -> Iterator[Entity]:
    """Yield counts of things: ``{"amount": 2, "unit": "pairs"}`` (unit None when unnamed)."""
    for m in QTY_EN.finditer(text):
        amount = to_number(m.group("num"))
        if amount is None or amount <= 0:
            continue
        unit = m.group("unit")
        end = m.end("unit") if unit else m.end("num")
        if m.group("noun") and m.group("num").lower() in {"a", "an"}:
            continue  # "a refund" is not a quantity
        value = {"amount": int(amount), "unit": unit.lower() if unit else None}
        yield make(EntityType.QUANTITY, text, m.start(), end, value, Source.RULES, 0.9)
    for m in QTY_TIMES.finditer(text):
        amount = int(m.group("a") or m.group("b"))
        if amount > 0:
            value = {"amount": amount, "unit": None}
            yield make(EntityType.QUANTITY, text, m.start(), m.end(), value, Source.RULES, 0.9)
    for m in QTY_LABEL.finditer(text):
        value = {"amount": int(m.group("num")), "unit": None}
        yield make(EntityType.QUANTITY, text, m.start(), m.end(), value, Source.RULES)
    for m in QTY_ZH.finditer(text):
        amount = to_number(m.group("num"))
        if amount is not None and amount > 0:
            value = {"amount": int(amount), "unit": m.group("unit")}
            yield make(EntityType.QUANTITY, text, m.start(), m.end(), value, Source.RULES)
