"""Urdu-script spellings of English words and the question's stop words (pure functions)."""

from __future__ import annotations

from domain.ask.loanwords import latin_key, loanword_table, script_key
from domain.ask.search import content_words
from domain.ask.text import fold


def test_urdu_and_english_spellings_share_a_skeleton() -> None:
    pairs = {
        "چائلڈ": "child",
        "بینیفٹ": "benefit",
        "یونیورسل": "universal",
        "کریڈٹ": "credit",
        "میٹرنٹی": "maternity",
        "الاؤنس": "allowance",
        "نرسری": "nursery",
        "گرانٹ": "grant",
    }
    for urdu, english in pairs.items():
        assert script_key(urdu) == latin_key(english), (urdu, english)
    for ukrainian, english in {
        "чайлд": "child",
        "бенефіт": "benefit",
        "юніверсал": "universal",
        "кредит": "credit",
        "грант": "grant",
    }.items():
        assert script_key(fold(ukrainian)) == latin_key(english), (ukrainian, english)
    assert script_key("child") == ""
    assert latin_key("چائلڈ") == ""


def test_the_table_keeps_the_most_common_word_and_skips_short_skeletons() -> None:
    table = loanword_table(["credit", "credit", "card", "cord", "cord", "code", "benefit"])
    assert table[latin_key("credit")] == "credit"
    assert table[latin_key("card")] == "cord"  # "krd": the word in more texts
    assert latin_key("code") not in table  # "kd": too short to tell words apart


def test_stop_words_are_left_out_in_every_language() -> None:
    assert content_words("Hello, my baby won't stop crying!", "en") == "baby stop crying"
    assert content_words("ile wynosi zasiłek na dziecko", "pl") == "zasilek dziecko"
    assert content_words("Shwmae, sut mae cael babi i gysgu?", "cy") == "cael babi gysgu"
    assert content_words("скільки коштує садок", "uk") == "коштує садок"
    assert content_words("چائلڈ بینیفٹ کتنا ہے", "ur") == fold("چائلڈ بینیفٹ")
    assert content_words("child benefit kitna hai", "ur") == "child benefit"
