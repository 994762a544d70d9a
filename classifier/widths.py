"""What the classifier reads of a text: no invisible characters, and ASCII where Unicode
writes the same thing otherwise.

A CJK input method types a card number or an e-mail address in full-width forms (the digits
U+FF10 .. U+FF19, the at sign U+FF20); Arabic, Persian and Hindi writers type phone numbers in
their own digits (U+0660 .. U+0669, U+06F0 .. U+06F9, U+0966 .. U+096F); text copied from web
pages and word processors separates a number's groups with no-break spaces (U+00A0; French
writes U+202F) and hyphens that are not "-" (U+2011, the no-break hyphen; U+2013, the en
dash). The detectors' validators and the PII tagger read ASCII: before these views a
full-width card number failed Luhn (its digits were not "0"-"9"), a card number with
no-break spaces was no card number, and a full-width SSN was no SSN, so such a request was
not sensitive. Both views (`views`) map, one character for one,
- the full-width ASCII variants U+FF01-U+FF5E to U+0021-U+007E;
- every other space separator (Unicode category Zs) to a space;
- the hyphens, dashes and minus signs U+2010-U+2015, U+2212, U+FE58, U+FE63 to "-";
- every other decimal digit (Unicode category Nd, what `re` calls `\\d`) to its ASCII digit;
and the detectors' view (`Views.detect`) also maps the letters of scripts written without
spaces between words (Han, kana, Hangul, Thai, Lao, Myanmar, Khmer) and CJK punctuation to
spaces: in "番号は4539 1488 0343 6467です" the number touches a word character on both sides,
where the card pattern wants a boundary, as it does in "abc4539...".

Invisible characters are another matter: a soft hyphen (U+00AD) or a zero-width space
(U+200B), which web pages and chat apps put into long strings so that they wrap, split an API
key or a card number for every pattern while the model that receives it reads through them.
Both views drop them, `Views.kept` holds the offset of each character kept, and
`to_original` maps the spans found back to the text's own offsets.

The mappings keep every other offset (NFKC would not: a ligature becomes two characters).
`views` makes both views and the offsets in one C pass (`text_views`), which seeks a Latin-1
text's only candidates, U+00A0 and U+00AD, with `memchr` and reads any other text at ~1 ns a
character; `views_reference` is the same in Python.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from classifier import native

Span = tuple[str, int, int]

# (first, last) code points of the scripts written without spaces, and CJK punctuation
UNSPACED = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x1780, 0x17FF),  # Khmer
    (0x3001, 0x30FF),  # CJK punctuation, Hiragana, Katakana
    (0x3130, 0x318F),  # Hangul compatibility Jamo
    (0x31F0, 0x31FF),  # Katakana extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF61, 0xFFDC),  # half-width CJK punctuation, kana and Hangul
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)


@dataclass(frozen=True, slots=True)
class Views:
    """What the classifier reads of a text: `plain` (invisible characters dropped, the rest
    folded) for the PII student, `detect` (also the unspaced scripts' letters as spaces) for
    the detectors, and `kept`, the offset in the text of each character of both, or None
    when no character was dropped (the offsets are the text's own)."""

    plain: str
    detect: str
    kept: Sequence[int] | None


def views(text: str) -> Views:
    """`text`'s views, in one C pass; `text` itself for all when nothing changes."""
    if native.kernels is None:
        return views_reference(text)
    made = native.kernels.text_views(text)
    if made is None:
        return Views(text, text, None)
    plain, detect, kept = made
    # a view of the int64 offsets, not a list: building one int per character cost ~60 µs on
    # a 500-token prompt, and only the few spans found read it
    return Views(plain, detect, None if kept is None else memoryview(kept).cast("q"))


def views_reference(text: str) -> Views:
    """`views` in Python: the reference for the C kernel."""
    visible, kept = drop_invisible_reference(text)
    plain = fold_reference(visible)
    return Views(plain, fold_reference(plain, blank_unspaced=True), kept)


def fold_reference(text: str, blank_unspaced: bool = False) -> str:
    """`text` with full-width forms, other spaces, dashes and digits as ASCII, and with
    `blank_unspaced` the letters of unspaced scripts as spaces (the same length); `text`
    itself when nothing changes."""
    if text.isascii():
        return text
    folded = "".join(_folded(char, blank_unspaced) for char in text)
    return text if folded == text else folded


INVISIBLE = frozenset("\u00ad\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff")


def drop_invisible_reference(text: str) -> tuple[str, list[int] | None]:
    """`text` without its invisible characters (`INVISIBLE`), and the offset in `text` of
    each character kept; (`text`, None) when it holds none."""
    if text.isascii() or not INVISIBLE.intersection(text):
        return text, None
    kept = [i for i, char in enumerate(text) if char not in INVISIBLE]
    return "".join(text[i] for i in kept), kept


def to_original(spans: list[Span], kept: Sequence[int]) -> list[Span]:
    """Spans found in a text without its invisible characters, at the offsets of the text
    they were dropped from (`kept`): a span runs from its first character's offset to just
    after its last's (the invisible characters inside it are inside it still)."""
    return [(kind, kept[start], kept[end - 1] + 1) for kind, start, end in spans if end > start]


def _folded(char: str, blank_unspaced: bool) -> str:
    code = ord(char)
    if code < 0x80:
        return char
    if 0xFF01 <= code <= 0xFF5E:
        return chr(code - 0xFF01 + 0x21)
    if unicodedata.category(char) == "Zs":
        return " "
    if 0x2010 <= code <= 0x2015 or code in (0x2212, 0xFE58, 0xFE63):
        return "-"
    if unicodedata.category(char) == "Nd":
        return chr(0x30 + unicodedata.decimal(char))
    if blank_unspaced and any(first <= code <= last for first, last in UNSPACED):
        return " "
    return char
