from __future__ import annotations

from typing import Any

import pytest

from classifier import Classifier, Entity
from classifier.sensitivity import MAX_SOFT, sensitivity_of

_KEY = "AKIAIOSFODNN7EXAMPLE"


@pytest.mark.parametrize(
    ("chat", "index"),
    [
        (
            [
                {"role": "system", "content": f"Use key {_KEY} for S3."},
                {"role": "user", "content": "List my buckets."},
            ],
            0,
        ),
        (
            [
                {"role": "user", "content": f"my key is {_KEY}"},
                {"role": "assistant", "content": "Noted."},
                {"role": "user", "content": "Now summarise this article."},
            ],
            0,
        ),
        (
            [
                {"role": "user", "content": "look up the account"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c",
                            "type": "function",
                            "function": {"name": "lookup", "arguments": f'{{"key": "{_KEY}"}}'},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "c", "content": "done"},
            ],
            1,
        ),
        (
            [
                {"role": "user", "content": "look up the account"},
                {
                    "role": "tool",
                    "tool_call_id": "c",
                    "content": [{"type": "text", "text": f"credentials: {_KEY}"}],
                },
            ],
            1,
        ),
    ],
)
def test_secret_anywhere_in_the_conversation_is_found(
    clf: Classifier, chat: list[dict[str, Any]], index: int
) -> None:
    from classifier.messages import message_text

    scores = clf.score(chat)
    assert scores.hard_entity and scores.sensitivity == 1.0
    secret = next(e for e in scores.entities if e.type == "SECRET")
    assert secret.message == index
    assert message_text(chat[index])[secret.start : secret.end] == _KEY


def test_soft_score_is_noisy_or_and_below_one() -> None:
    email = Entity("EMAIL", 0, 5)
    assert sensitivity_of([email]) == pytest.approx(0.5)
    assert sensitivity_of([email, Entity("EMAIL", 9, 14)]) == pytest.approx(0.5)
    assert sensitivity_of([email, Entity("PERSON", 6, 8)]) == pytest.approx(1 - 0.5 * 0.7)
    many = [
        Entity(kind, 0, 1)
        for kind in (
            "ID_NUMBER",
            "DATE_OF_BIRTH",
            "ADDRESS",
            "EMAIL",
            "PHONE_NUMBER",
            "MEDICAL",
            "PERSON",
            "FINANCIAL",
        )
    ]
    assert 0.98 < sensitivity_of(many) <= MAX_SOFT < 1.0
    assert sensitivity_of([]) == 0.0


def test_hard_entity_scores_one() -> None:
    assert sensitivity_of([Entity("CREDIT_CARD", 0, 16)]) == 1.0


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        # full-width forms, as a CJK input method types them, with ideographic spaces
        ("\u79c1\u306e\u30ab\u30fc\u30c9\u306f\uff14\uff15\uff13\uff19\u3000\uff11\uff14\uff18"
         "\uff18\u3000\uff10\uff13\uff14\uff13\u3000\uff16\uff14\uff16\uff17\u3067\u3059",
         "CREDIT_CARD", "\uff14\uff15\uff13\uff19\u3000\uff11\uff14\uff18\uff18\u3000\uff10"
         "\uff13\uff14\uff13\u3000\uff16\uff14\uff16\uff17"),
        ("SSN \uff15\uff12\uff11\uff0d\uff14\uff14\uff0d\uff19\uff13\uff18\uff12", "US_SSN",
         "\uff15\uff12\uff11\uff0d\uff14\uff14\uff0d\uff19\uff13\uff18\uff12"),
        ("mail \uff4a\uff41\uff4e\uff45\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e"
         "\uff43\uff4f\uff4d", "EMAIL", "\uff4a\uff41\uff4e\uff45\uff20\uff45\uff58\uff41\uff4d"
         "\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d"),
        # ASCII numbers and addresses glued to Japanese, Korean words
        ("\u96fb\u8a71\u756a\u53f7\u306f090-1234-5678\u3067\u3059", "PHONE_NUMBER",
         "090-1234-5678"),
        ("\u30e1\u30fc\u30eb\u306ftaro.yamada@example.co.jp\u3067\u3059", "EMAIL",
         "taro.yamada@example.co.jp"),
        ("\uce74\ub4dc \ubc88\ud638\ub294 4539-1488-0343-6467\uc785\ub2c8\ub2e4", "CREDIT_CARD",
         "4539-1488-0343-6467"),
        # digits as Arabic, Thai and Hindi writers write them
        ("\u0627\u062a\u0635\u0644 \u0628\u064a \u0639\u0644\u0649 \u0660\u0665\u0665 \u0661"
         "\u0662\u0663 \u0664\u0665\u0666\u0667", "PHONE_NUMBER",
         "\u0660\u0665\u0665 \u0661\u0662\u0663 \u0664\u0665\u0666\u0667"),
        ("\u0e40\u0e1a\u0e2d\u0e23\u0e4c\u0e42\u0e17\u0e23 \u0e50\u0e58\u0e51-\u0e52\u0e53\u0e54"
         "-\u0e55\u0e56\u0e57\u0e58", "PHONE_NUMBER",
         "\u0e50\u0e58\u0e51-\u0e52\u0e53\u0e54-\u0e55\u0e56\u0e57\u0e58"),
        ("call me: +\u0669\u0667\u0661 \u0665\u0665 \u0661\u0662\u0663 \u0664\u0665\u0666\u0667",
         "PHONE_NUMBER", "+\u0669\u0667\u0661 \u0665\u0665 \u0661\u0662\u0663 \u0664\u0665\u0666"
         "\u0667"),
        # no-break spaces and hyphens from web pages and word processors
        ("card 4111\u00a01111\u00a01111\u00a01111 please", "CREDIT_CARD",
         "4111\u00a01111\u00a01111\u00a01111"),
        ("appelez le 06\u202f12\u202f34\u202f56\u202f78", "PHONE_NUMBER",
         "06\u202f12\u202f34\u202f56\u202f78"),
        ("SSN 521\u201344\u20119382", "US_SSN", "521\u201344\u20119382"),
        # invisible characters inside a key, a card number, an address (their own offsets)
        ("key AKIA\u200bIOSFODNN7EXAMPLE", "SECRET", "AKIA\u200bIOSFODNN7EXAMPLE"),
        ("token ghp_\u00adaBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789ab ok", "SECRET",
         "ghp_\u00adaBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789ab"),
        ("card 4111\u200b1111\u200b1111\u200b1111.", "CREDIT_CARD",
         "4111\u200b1111\u200b1111\u200b1111"),
        ("\ufeffmail jane\u200d@example.com", "EMAIL", "jane\u200d@example.com"),
    ],
)  # fmt: skip
def test_numbers_in_other_widths_and_scripts_are_found_at_their_own_offsets(
    clf: Classifier, text: str, kind: str, value: str
) -> None:
    scores = clf.score([{"role": "user", "content": text}])
    assert (kind, value) in [(e.type, text[e.start : e.end]) for e in scores.entities]
    assert scores.sensitivity >= 0.5


def test_the_tagger_reads_full_width_text_as_ascii(clf: Classifier) -> None:
    """A health fact typed in full-width forms is the PII student's to find (no detector
    looks for "diagnosed"): it reads the folded text, not only the detectors."""
    text = "I was diagnosed with diabetes last year and my insulin costs too much."
    wide = "".join(chr(ord(c) - 0x21 + 0xFF01) if "!" <= c <= "~" else c for c in text)
    kinds = {e.type for e in clf.score([{"role": "user", "content": wide}]).entities}
    assert {e.type for e in clf.score([{"role": "user", "content": text}]).entities} <= kinds
    assert "MEDICAL" in kinds


# Dates, prices, counts, versions and a private address in Japanese, Chinese, Korean, Thai and
# Arabic sentences: nothing personal, whatever the widths and scripts fold makes of them
_NOT_PERSONAL = [
    "2023年10月15日に会議があります。",
    "価格は1,980円です。",
    "第3章の問題12を解いてください。",
    "日本の人口は約1億2500万人です。",
    "Python 3.11で動きますか\uff1f",
    "バージョン2.4.6にアップデートしました。",
    "2019年から2023年までのデータを分析して。",
    "这个函数返回123456789吗\uff1f",
    "请计算3.14159乘以2。",
    "在2008年北京奥运会上中国获得了51枚金牌。",
    "订单号20231015001的状态是什么\uff1f",
    "东京到大阪的距离是500公里。",
    "1234567890を素因数分解してください。",
    "\uff12\uff10\uff12\uff13年",
    "\uff29\uff33\uff22\uff2e"
    " \uff19\uff17\uff18\uff0d\uff14\uff0d\uff11\uff12\uff13\uff14\uff15"
    "\uff0d\uff16\uff17\uff18\uff0d\uff19 の本",  # an ISBN in full-width forms
    "서울의 인구는 약 9,500,000명입니다.",
    "2024년 3월 1일에 만나요.",
    "ราคา ๑,๕๐๐ บาท",
    "ปี ๒๕๖๖",
    "المجموع ١٢٣٤٥ ريال",
    "円周率は3.14159265358979です。",
    "IPアドレス192.168.1.1に接続できません。",
    "ポート8080で起動します。",
]


@pytest.mark.parametrize("text", _NOT_PERSONAL)
def test_numbers_in_other_scripts_that_name_no_one_are_not_sensitive(
    clf: Classifier, text: str
) -> None:
    assert clf.score([{"role": "user", "content": text}]).sensitivity < 0.5
