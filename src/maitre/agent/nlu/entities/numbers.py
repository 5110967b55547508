"""Numbers written as words: English ("two", "a dozen") and Chinese ("两", "二十三", "一百五")."""

from __future__ import annotations

EN_NUMBERS: dict[str, int] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "single": 1,
    "two": 2,
    "couple": 2,
    "pair": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "dozen": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
}
EN_NUMBER_WORDS = "|".join(sorted((k for k in EN_NUMBERS if len(k) > 2), key=len, reverse=True))

ZH_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "贰": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
ZH_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
ZH_BIG: dict[str, int] = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}
ZH_NUMERAL_CHARS = "".join([*ZH_DIGITS, *ZH_UNITS, *ZH_BIG])


def zh_to_int(text: str) -> int | None:
    """Parse a Chinese numeral (``十五`` → 15, ``一百零五`` → 105, ``两千`` → 2000).

    A bare digit string (``一二三``) reads digit by digit. Returns None for anything else.
    """
    if not text or any(ch not in ZH_NUMERAL_CHARS for ch in text):
        return None
    if all(ch in ZH_DIGITS for ch in text):
        value = 0
        for ch in text:
            value = value * 10 + ZH_DIGITS[ch]
        return value
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in ZH_DIGITS:
            digit = ZH_DIGITS[ch]
        elif ch in ZH_UNITS:
            section += (1 if digit is None else digit) * ZH_UNITS[ch]
            digit = None
        else:  # 万 / 亿 close a section
            section += digit or 0
            total += (section or 1) * ZH_BIG[ch]
            section, digit = 0, None
    # "一百五" means 150: a trailing digit after a unit scales to the next lower unit.
    if digit is not None and len(text) >= 2 and text[-2] in ZH_UNITS and ZH_UNITS[text[-2]] >= 100:
        digit *= ZH_UNITS[text[-2]] // 10
    return total + section + (digit or 0)


def to_number(token: str) -> float | None:
    """Parse ``12``, ``1,299.50``, ``two`` or ``十二``; None if it is not a number."""
    cleaned = token.strip().lower().replace(",", "").replace("，", "")
    if not cleaned:
        return None
    try:
        return float(cleaned)
    except ValueError:
        pass
    if cleaned in EN_NUMBERS:
        return float(EN_NUMBERS[cleaned])
    value = zh_to_int(cleaned)
    return float(value) if value is not None else None
