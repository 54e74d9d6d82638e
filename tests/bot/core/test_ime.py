"""bot.core.ime: words mistyped with a pinyin input method, read as meant."""
from __future__ import annotations

import pytest
import yaml

from bot import settings
from bot.core.ime import SOUNDS_FILE, correct


@pytest.mark.parametrize(
    "text, meant",
    [
        ("和验单打印出来签好了", "核验单打印出来签好了"),
        ("核验但在哪下载", "核验单在哪下载"),
        ("域名正书是不是在域名详情页里头打印", "域名证书是不是在域名详情页里头打印"),
        ("受权书跟身分证怎么一起传", "授权书跟身份证怎么一起传"),
        ("阿里运app能传吗", "阿里云app能传吗"),
        ("上穿资料一直失败", "上传资料一直失败"),
        # The longest word wins: 真实性核验单, not 核验单 inside it.
        ("真实性和验单在哪下", "真实性核验单在哪下"),
    ],
)
def test_a_slip_of_one_character_of_the_same_sound_is_read_as_the_word(text: str, meant: str) -> None:
    assert correct(text) == meant
    assert len(correct(text)) == len(text)  # entity positions stay right


@pytest.mark.parametrize(
    "text",
    [
        "核验单在哪下载",  # already right
        "请问一下在哪里下载",  # two characters of the same sounds across a word boundary
        "这个是什么格式",
        "身份证号码写错了",
        "核验签字单在哪",  # two characters wrong: not a slip of 核验单
        "Where is the verification form?",
        "",
    ],
)
def test_other_text_is_left_alone(text: str) -> None:
    assert correct(text) == text


def test_the_sounds_file_covers_the_lexicons_words() -> None:
    # data/ime_sounds.yml is generated (python -m bot.devtools.ime_sounds): rerun it after
    # changing ime_words.
    words = yaml.safe_load(settings.LEXICON_FILE.read_text(encoding="utf-8"))["ime_words"]
    table = yaml.safe_load(SOUNDS_FILE.read_text(encoding="utf-8"))
    assert set(table["words"]) == set(words)
    for word, sounds in table["words"].items():
        assert len(sounds) == len(word)
        assert all(word[i] in table["sounds"][sound] for i, sound in enumerate(sounds)), word
