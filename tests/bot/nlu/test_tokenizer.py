"""BilingualTokenizer: word splitting, jieba segmentation, offsets and the persisted dictionary."""
from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import jieba
import pytest
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.tokenizer import BilingualTokenizer

from tests.bot.nlu.components import USERDICT_PATH, Built, build, messages

# jieba alone splits this into 真实性 / 核验 / 单.
USER_WORD = "真实性核验单"


@pytest.fixture(scope="module")
def userdict(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("userdict") / "userdict.txt"
    path.write_text(f"{USER_WORD} 100000 n\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, userdict: Path) -> Built:
    return build(
        BilingualTokenizer,
        tmp_path_factory.mktemp("tokenizer"),
        dictionary_path=str(userdict),
    )


def tokens(tokenizer: BilingualTokenizer, text: str) -> List[Tuple[str, int, int]]:
    [message] = tokenizer.process(messages(text))
    result = [(t.text, t.start, t.end) for t in message.get(TOKENS_NAMES[TEXT])]
    for word, start, end in result:
        assert text[start:end] == word
    return result


def words(tokenizer: BilingualTokenizer, text: str) -> List[str]:
    return [word for word, _, _ in tokens(tokenizer, text)]


def test_english_offsets(trained: Built) -> None:
    text = "How do I upload a 4mb image with app 3.16.0?"
    assert tokens(trained.component, text) == [
        ("How", 0, 3),
        ("do", 4, 6),
        ("I", 7, 8),
        ("upload", 9, 15),
        ("a", 16, 17),
        ("4mb", 18, 21),
        ("image", 22, 27),
        ("with", 28, 32),
        ("app", 33, 36),
        ("3.16.0", 37, 43),
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I'm from the U.S.", ["I'm", "from", "the", "U", "S"]),
        ("It’s 4.5MB, too big!", ["It’s", "4.5MB", "too", "big"]),
        ("console > domain details > print", ["console", "domain", "details", "print"]),
        ("jpg/jpeg/png (or gif)", ["jpg", "jpeg", "png", "or", "gif"]),
        ("Guangdong-based   company", ["Guangdong", "based", "company"]),
    ],
)
def test_english_words_split_on_whitespace_and_punctuation(
    trained: Built, text: str, expected: List[str]
) -> None:
    assert words(trained.component, text) == expected


def test_chinese_offsets(trained: Built) -> None:
    text = "我在广东省上传身份证照片"
    result = tokens(trained.component, text)
    assert "".join(word for word, _, _ in result) == text
    assert ("广东省", 2, 5) in result


def test_mixed_script_offsets(trained: Built) -> None:
    text = "用APP上传ICP备案材料 with version 3.16.0吗"
    result = tokens(trained.component, text)
    assert ("APP", 1, 4) in result
    assert ("ICP", 6, 9) in result
    assert ("3.16.0", 27, 33) in result
    assert ("吗", 33, 34) in result
    assert "".join(w for w, _, _ in result) == text.replace(" ", "")


def test_full_width_punctuation_separates(trained: Built) -> None:
    text = "你好，请问（个人）备案：要什么；材料？好的！谢谢。"
    result = tokens(trained.component, text)
    assert not any(set(word) & set("，。？！：；（）") for word, _, _ in result)
    assert "".join(word for word, _, _ in result) == "你好请问个人备案要什么材料好的谢谢"


def test_user_dictionary_word_stays_whole(trained: Built, tmp_path: Path) -> None:
    plain = build(BilingualTokenizer, tmp_path, dictionary_path=None).component
    assert USER_WORD not in words(plain, f"上传{USER_WORD}")
    assert words(trained.component, f"上传{USER_WORD}") == ["上传", USER_WORD]


def test_user_dictionary_is_private(trained: Built) -> None:
    assert words(trained.component, USER_WORD) == [USER_WORD]
    assert USER_WORD not in jieba.lcut(USER_WORD)


def test_symbols_only_message_keeps_one_token(trained: Built) -> None:
    assert tokens(trained.component, " 👍 ") == [("👍", 1, 2)]
    assert tokens(trained.component, "") == []


def test_loaded_model_does_not_need_the_dictionary_file(
    trained: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    loaded = trained.load(dictionary_path=str(tmp_path / "missing.txt"))
    assert words(loaded, f"上传{USER_WORD}") == ["上传", USER_WORD]


def test_default_dictionary_is_the_project_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(USERDICT_PATH.parents[1])
    built = build(BilingualTokenizer, tmp_path)
    with built.storage.read_from(built.resource) as directory:
        persisted = (directory / "jieba_userdict.txt").read_bytes()
    assert persisted == USERDICT_PATH.read_bytes()


def test_missing_dictionary_fails_training(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        build(BilingualTokenizer, tmp_path, dictionary_path=str(tmp_path / "nope.txt"))


def test_fingerprint_follows_dictionary_content(tmp_path: Path) -> None:
    path = tmp_path / "dict.txt"
    path.write_text("备案 10 n\n", encoding="utf-8")
    before = BilingualTokenizer.fingerprint_addon({"dictionary_path": str(path)})
    path.write_text("备案 20 n\n", encoding="utf-8")
    assert BilingualTokenizer.fingerprint_addon({"dictionary_path": str(path)}) != before


def test_process_training_data_tokenizes_examples(trained: Built) -> None:
    example = Message(data={TEXT: "广东可以用APP上传吗", INTENT: "app_upload_availability"})
    trained.component.process_training_data(TrainingData([example]))
    assert [t.text for t in example.get(TOKENS_NAMES[TEXT])][:2] == ["广东", "可以"]
    assert [t.text for t in example.get(TOKENS_NAMES[INTENT])] == ["app_upload_availability"]
