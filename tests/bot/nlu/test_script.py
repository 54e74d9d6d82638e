"""The pipeline reads Traditional Chinese as Simplified, before anything else looks at the text."""
from pathlib import Path

import yaml
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.script import ImeSlips, PinyinTerms, SimplifiedChinese

CONFIG = Path(__file__).resolve().parents[3] / "config.yml"


def test_messages_are_converted_in_place_and_others_left_alone():
    component = SimplifiedChinese()
    messages = [Message(data={TEXT: "香港身份證可以嗎？"}), Message(data={TEXT: "which ID?"}), Message(data={})]
    assert component.process(messages) is messages
    assert [m.get(TEXT) for m in messages] == ["香港身份证可以吗？", "which ID?", None]


def test_it_runs_first_so_the_splitter_and_entities_see_simplified_text():
    pipeline = [c["name"] for c in yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["pipeline"]]
    assert pipeline[0] == "bot.nlu.script.SimplifiedChinese"
    # Input-method slips are read on the Simplified text, before the splitter reads it.
    assert pipeline[1] == "bot.nlu.script.ImeSlips"
    # Pinyin jargon in English is read before the splitter too.
    assert pipeline[2] == "bot.nlu.script.PinyinTerms"


def test_input_method_slips_are_read_as_meant_at_run_time_only():
    from rasa.shared.nlu.training_data.training_data import TrainingData

    component = ImeSlips()
    messages = [Message(data={TEXT: "和验单在哪下载"}), Message(data={TEXT: "which ID?"}), Message(data={})]
    assert component.process(messages) is messages
    assert [m.get(TEXT) for m in messages] == ["核验单在哪下载", "which ID?", None]
    # Training examples stay as written: those with slips teach the classifier the others.
    example = Message(data={TEXT: "和验单在哪下载"})
    component.process_training_data(TrainingData([example]))
    assert example.get(TEXT) == "和验单在哪下载"


def test_pinyin_jargon_is_read_as_english_in_training_and_at_run_time():
    from rasa.shared.nlu.training_data.training_data import TrainingData

    component = PinyinTerms()
    messages = [Message(data={TEXT: "where is the hexiaodan template"}), Message(data={TEXT: "核验单"}), Message(data={})]
    assert component.process(messages) is messages
    assert [m.get(TEXT) for m in messages] == ["where is the verification form template", "核验单", None]
    # Training examples are read the same way, so the model learns the English words.
    example = Message(data={TEXT: "mubu colour?"})
    component.process_training_data(TrainingData([example]))
    assert example.get(TEXT) == "backdrop colour?"
