"""Detect text that tries to instruct the assistant (indirect prompt injection), English + Chinese.

Rules, not a model: each rule names a *kind* of attack and scores how sure it is. Matching runs
on a normalised copy of the text (NFKC, lower case, invisible characters removed, spaces
collapsed) so ``ｉｇｎｏｒｅ`` or ``ig\u200bnore`` do not slip through, and spans are mapped back
to the original text. Hidden-text tricks (HTML comments, invisible styles, markdown comments,
zero-width and Unicode tag characters) are looked for in the raw text. Words that are only
suspicious together (``jailbroken`` is also a warranty term) score below the threshold alone and
cross it when another kind of rule fires too. Ordinary shop text ("ignore the label on the box",
"you are now a VIP member") must not match: the tests pin such cases.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

THRESHOLD = 0.5
MAX_SCAN_CHARS = 200_000
_COMBO_BONUS = 0.15

_INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad")
_TAG_CHARS = re.compile("[\U000e0000-\U000e007f]")
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff]")
_NEGATION = re.compile(r"(?:never|not|n't|no one|nobody|不会|不要|切勿|绝不|请勿)\W*\w*\W*$")


@dataclass(frozen=True)
class InjectionFinding:
    """What was found: the kind of attack, where it is in the text, how sure the rule is (0..1)."""

    kind: str
    span: tuple[int, int]
    score: float
    rule: str = ""

    def excerpt(self, text: str, *, width: int = 80) -> str:
        """Return the matched text, shortened to ``width`` characters."""
        found = text[self.span[0] : self.span[1]]
        return found if len(found) <= width else found[: width - 1] + "…"


@dataclass(frozen=True)
class _Rule:
    name: str
    kind: str
    pattern: re.Pattern[str]
    score: float
    negatable: bool = False


def _r(name: str, kind: str, pattern: str, score: float, *, negatable: bool = False) -> _Rule:
    return _Rule(name, kind, re.compile(pattern, re.MULTILINE), score, negatable)


_S = r"(?:[^.!?。！？\n]|\n(?!\n))"  # any character in the same sentence and paragraph
_AI = r"(?:ai|a\.i\.|chat ?bot|language model|llm|gpt|virtual assistant|ai assistant)"

RULES: tuple[_Rule, ...] = (
    # --- English --------------------------------------------------------------------------
    _r(
        "override_instructions",
        "override",
        rf"\b(?:ignore|disregard|forget|override|bypass|skip)\b{_S}{{0,30}}?"
        r"\b(?:previous|prior|above|earlier|preceding|all|any|your|system|original|initial)\b"
        rf"{_S}{{0,20}}?\b(?:instructions?|prompts?|directives?|guardrails|system messages?|"
        r"programming)\b",
        0.9,
    ),
    _r(
        "override_rules",
        "override",
        r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+(?:of\s+)?)?(?:your|all)\s+"
        r"(?:\w+\s+)?(?:rules|guidelines|constraints|policies|restrictions)\b",
        0.8,
    ),
    _r(
        "do_not_follow",
        "override",
        r"\b(?:do not|don't|stop)\s+(?:follow|obey)(?:ing)?\s+(?:your|the|any)\s+(?:previous\s+|"
        r"original\s+|system\s+)?(?:instructions|rules|guidelines|prompt)\b",
        0.8,
    ),
    _r("new_instructions", "override", r"\bnew (?:system )?instructions\s*:", 0.6),
    _r(
        "you_are_now",
        "role_change",
        rf"\byou are (?:now|no longer)\b{_S}{{0,40}}?\b(?:{_AI}|assistant|bot|dan|unrestricted|"
        r"unfiltered|uncensored|jailbroken|evil|hacker|not bound|in (?:developer|god|debug|admin) "
        r"mode|free (?:from|of) (?:all |any |your )?(?:rules|restrictions|guidelines|limits))",
        0.85,
    ),
    _r(
        "act_as",
        "role_change",
        r"\b(?:act|behave|respond) as (?:if you were )?(?:an? |the )?(?:unrestricted|unfiltered|"
        r"uncensored|different|new|evil|jailbroken|dan\b|rogue)",
        0.8,
    ),
    _r(
        "pretend",
        "role_change",
        rf"\b(?:pretend|imagine) (?:to be|you are|that you are|you're)\b{_S}{{0,30}}?"
        rf"(?:{_AI}|assistant|model|bot|dan\b|without (?:any )?(?:rules|restrictions|limits))",
        0.75,
    ),
    _r("roleplay", "role_change", r"\brole[- ]?play(?:ing)? as\b", 0.55),
    _r(
        "from_now_on",
        "role_change",
        r"\bfrom now on,?\s+you\s+(?:will|must|shall|should|are to)\s+(?:ignore|answer|respond|"
        r"reply|act|only|always|never|say|obey|comply|pretend|output)",
        0.7,
    ),
    _r(
        "reveal_prompt",
        "prompt_leak",
        r"\b(?:reveal|show|print|output|repeat|display|tell|give|leak|disclose|share|dump|"
        rf"write out)\b{_S}{{0,25}}?\b(?:system|initial|original|hidden|secret|internal)\s+"
        r"(?:prompt|instructions|message|rules|configuration)",
        0.85,
    ),
    _r("system_prompt", "prompt_leak", r"\bsystem prompt\b", 0.55),
    _r(
        "chat_markup",
        "role_marker",
        r"<\|im_start\|>|<\|im_end\|>|<\|system\|>|\[/?inst\]|<<sys>>|\[system\]|"
        r"<system>|</system>",
        0.8,
    ),
    _r("role_prefix", "role_marker", r"^\s*(?:#+\s*)?(?:system|assistant)\s*:\s", 0.45),
    _r(
        "exfil_customers",
        "data_exfiltration",
        r"\b(?:reveal|show|list|give|send|dump|export|print|display|output|email|forward|"
        rf"leak|tell)\b(?: me| us)?{_S}{{0,15}}?\b(?:all|every|other)\b(?: the| of the| of)?"
        r"\s(?:other\s)?(?:customers?|users?|clients?|shoppers?)(?:'s?)?\b",
        0.75,
        negatable=True,
    ),
    _r(
        "exfil_records",
        "data_exfiltration",
        r"\b(?:reveal|show|list|give|send|dump|export|print|display|output|leak)\b"
        rf"{_S}{{0,25}}?\b(?:customer|user|client)s?'? (?:database|records|data|emails|email "
        r"addresses|phone numbers|addresses|passwords|credit cards?|card numbers)\b",
        0.7,
        negatable=True,
    ),
    _r(
        "exfil_orders",
        "data_exfiltration",
        rf"\ball (?:the )?orders\b{_S}{{0,30}}?\b(?:of|from|for|in|by)\b{_S}{{0,15}}?"
        r"\b(?:all|every|other|the database|the system|the crm|anyone)\b|"
        r"\b(?:every|other) (?:customer|user)s?'? orders\b",
        0.7,
        negatable=True,
    ),
    _r(
        "exfil_secrets",
        "data_exfiltration",
        rf"\b(?:reveal|show|print|dump|leak|output|send)\b{_S}{{0,20}}?\b(?:api keys?|access "
        r"tokens?|credentials|secret keys?|database password|admin password)\b",
        0.7,
        negatable=True,
    ),
    _r(
        "note_to_ai",
        "ai_address",
        r"\b(?:note|message|instructions?|attention|important|reminder)\s+(?:to|for)\s+(?:the\s|"
        rf"any\s|all\s)?(?:{_AI}|assistants|bots)s?\b",
        0.75,
    ),
    _r(
        "if_you_are_ai",
        "ai_address",
        rf"\bif you are (?:an? |the )?(?:{_AI}|assistant|automated|bot|model)\b",
        0.75,
    ),
    _r(
        "ai_imperative",
        "ai_address",
        rf"\b(?:dear |hey |attention,? )?{_AI}\s*[,:]\s*(?:you must|you should|please|ignore|"
        r"always|never|do not|don't|reply|respond|answer|tell|say)\b",
        0.7,
    ),
    _r(
        "when_ai_reads",
        "ai_address",
        rf"\b(?:when|if|once) (?:an? |the |any )?(?:{_AI}|assistant|bot|model) (?:reads?|sees?|"
        r"processes|summari[sz]es|finds)\b",
        0.8,
    ),
    _r("dan", "jailbreak", r"\bdo anything now\b|\bdan mode\b|\bgod mode\b", 0.8),
    _r("jailbreak_word", "jailbreak", r"\bjailbr(?:eak|oken)\b|\bdeveloper mode\b", 0.45),
    _r(
        "no_safety",
        "jailbreak",
        r"\b(?:no|ignore|bypass|without)\b (?:any )?(?:ethical|moral|safety|content) "
        r"(?:guidelines|filters?|restrictions|policies|rules)\b",
        0.7,
    ),
    # --- Chinese --------------------------------------------------------------------------
    _r(
        "zh_override",
        "override",
        r"(?:忽略|无视|忘记|忘掉|不要理会|不用理会|跳过|绕过|覆盖)掉?(?:你|您)?的?"
        r"(?:之前|以前|先前|此前|前面|上面|以上|上述|所有|全部|一切|原有|原来|你的|您的|系统)"
        r"的?(?:所有|全部|一切)?的?(?:指令|指示|提示词|提示|规则|设定|命令|系统消息|限制|约束)",
        0.9,
    ),
    _r(
        "zh_do_not_follow",
        "override",
        r"不要(?:再)?(?:遵守|遵循|理会|听从|执行)(?:任何|你的|之前的|原来的|系统的?)"
        r"(?:规则|指令|限制|设定|指示)",
        0.8,
    ),
    _r("zh_new_instructions", "override", r"新的?(?:系统)?指令\s*[:：]", 0.6),
    _r(
        "zh_you_are_now",
        "role_change",
        r"[你您]现在(?:是|扮演|作为|成为|变成)(?:一个|一名|一位)?[^。！？\n]{0,10}?"
        r"(?:ai|人工智能|助手|机器人|模型|dan|没有限制|不受限制|无限制|黑客|开发者模式)",
        0.85,
    ),
    _r(
        "zh_from_now_on",
        "role_change",
        r"从现在(?:开始|起)[，,]?\s*你(?:必须|要|将|只能|应该|需要)(?:忽略|回答|回复|扮演|"
        r"遵守|听从|服从|输出|说|假装)",
        0.7,
    ),
    _r(
        "zh_pretend",
        "role_change",
        r"(?:扮演|假装(?:你是|成)|角色扮演)[^。！？\n]{0,10}?(?:ai|人工智能|助手|机器人|模型|"
        r"没有限制|不受限制|无限制)",
        0.7,
    ),
    _r(
        "zh_reveal_prompt",
        "prompt_leak",
        r"(?:显示|输出|打印|告诉我|透露|泄露|重复|给我看|说出|展示)(?:你的|一下|出)?"
        r"(?:系统|初始|原始|隐藏|内部)(?:提示词?|指令|设定|消息)",
        0.85,
    ),
    _r("zh_system_prompt", "prompt_leak", r"系统提示词?", 0.55),
    _r(
        "zh_exfil",
        "data_exfiltration",
        r"(?:显示|列出|告诉我|透露|泄露|输出|导出|发送|给我|提供|打印|展示)(?:一下)?(?:所有|全部|"
        r"其他|每个|每位)(?:的)?(?:客户|用户|顾客)",
        0.75,
        negatable=True,
    ),
    _r(
        "zh_exfil_orders",
        "data_exfiltration",
        r"(?:所有|全部|其他|每个)(?:客户|用户|顾客)的(?:订单|信息|数据|资料|邮箱|地址|电话)",
        0.7,
        negatable=True,
    ),
    _r(
        "zh_ai_address",
        "ai_address",
        r"(?:如果你是|致|给|提醒)(?:一个)?(?:ai|人工智能|智能助手|聊天机器人|语言模型|ai助手)",
        0.7,
    ),
    _r(
        "zh_ai_imperative",
        "ai_address",
        r"(?:ai|人工智能|机器人|智能助手|语言模型)[，,：:]?\s*(?:请|必须|应该|需要)(?:忽略|回答|"
        r"回复|告诉|输出|显示|透露)",
        0.7,
    ),
    _r("zh_jailbreak", "jailbreak", r"越狱|开发者模式|无限制模式", 0.45),
)

_HIDDEN_KEYWORDS = re.compile(
    r"\b(?:ai|assistant|chat ?bot|bot|instructions?|ignore|prompt|system|reveal|pretend|"
    r"you are|you must|language model|llm)\b|忽略|指令|助手|系统|提示|你现在|机器人",
    re.IGNORECASE,
)
_HTML_COMMENT = re.compile(r"<!--(.*?)-->", re.DOTALL)
_MD_COMMENT = re.compile(r"^\s*\[(?://|comment)\]:\s*(?:#|<>)\s*[(\"'](.*)$", re.MULTILINE)
_HIDDEN_STYLE = re.compile(
    r"<(\w+)[^>]*?(?:style\s*=\s*[\"'][^\"']*(?:display\s*:\s*none|visibility\s*:\s*hidden|"
    r"font-size\s*:\s*0(?:px|pt|em)?\s*[;\"']|opacity\s*:\s*0(?:\.0+)?\s*[;\"']|"
    r"color\s*:\s*(?:#fff(?:fff)?|white|transparent)\b)[^\"']*[\"']|\shidden(?:\s|>|=))"
    r"[^>]*>(.*?)</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)


def _normalise(text: str) -> tuple[str, list[int]]:
    """Return a lower-cased NFKC copy without invisible characters, and its index map."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch in _INVISIBLE or _TAG_CHARS.match(ch):
            continue
        if ch in " \t\r\f\v\u00a0\u3000":
            if out and out[-1] == " ":
                continue
            ch = " "
        for c in unicodedata.normalize("NFKC", ch).lower():
            out.append(c)
            index.append(i)
    return "".join(out), index


def _hidden(text: str) -> list[InjectionFinding]:
    found: list[InjectionFinding] = []
    for pattern, group in ((_HTML_COMMENT, 1), (_MD_COMMENT, 1), (_HIDDEN_STYLE, 2)):
        for m in pattern.finditer(text):
            inner = m.group(group)
            if _HIDDEN_KEYWORDS.search(inner) or scan(inner, hidden=False):
                found.append(InjectionFinding("hidden_text", m.span(), 0.85, "hidden_instruction"))
            elif pattern is _HIDDEN_STYLE and inner.strip():
                found.append(InjectionFinding("hidden_text", m.span(), 0.3, "hidden_element"))
    tags = list(_TAG_CHARS.finditer(text))
    if tags:
        found.append(
            InjectionFinding("hidden_text", (tags[0].start(), tags[-1].end()), 0.9, "tag_chars")
        )
    zero = list(_ZERO_WIDTH.finditer(text))
    if len(zero) >= 3:
        found.append(
            InjectionFinding("hidden_text", (zero[0].start(), zero[-1].end()), 0.55, "zero_width")
        )
    return found


def scan(text: str, *, hidden: bool = True) -> list[InjectionFinding]:
    """Return every rule match in ``text`` (strong and weak), in text order."""
    text = text[:MAX_SCAN_CHARS]
    norm, index = _normalise(text)
    found: list[InjectionFinding] = []
    for rule in RULES:
        for m in rule.pattern.finditer(norm):
            if m.end() <= m.start():
                continue
            if rule.negatable and _NEGATION.search(norm[max(0, m.start() - 20) : m.start()]):
                continue
            span = (index[m.start()], index[m.end() - 1] + 1)
            found.append(InjectionFinding(rule.kind, span, rule.score, rule.name))
    if hidden:
        found.extend(_hidden(text))
    return sorted(found, key=lambda f: (f.span[0], -f.score))


def combined_score(findings: list[InjectionFinding]) -> float:
    """Return the best score, raised a little for each further kind of attack seen."""
    if not findings:
        return 0.0
    kinds = {f.kind for f in findings}
    best = max(f.score for f in findings)
    return min(1.0, best + _COMBO_BONUS * (len(kinds) - 1))


def detect(text: str) -> InjectionFinding | None:
    """Return the strongest injection finding in ``text``, or None when the text looks benign."""
    if not text:
        return None
    findings = scan(text)
    score = combined_score(findings)
    if score < THRESHOLD:
        return None
    top = max(findings, key=lambda f: (f.score, -f.span[0]))
    return InjectionFinding(top.kind, top.span, round(score, 3), top.rule)


def reasons(text: str) -> list[str]:
    """Return ``kind:rule`` labels of every finding, for an admin's review (empty when benign)."""
    findings = scan(text)
    if combined_score(findings) < THRESHOLD:
        return []
    return sorted({f"{f.kind}:{f.rule}" for f in findings})
