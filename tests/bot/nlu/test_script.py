"""The pipeline reads Traditional Chinese as Simplified, before anything else looks at the text."""
from pathlib import Path

import yaml
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.script import SimplifiedChinese

CONFIG = Path(__file__).resolve().parents[3] / "config.yml"


def test_messages_are_converted_in_place_and_others_left_alone():
    component = SimplifiedChinese()
    messages = [Message(data={TEXT: "香港身份證可以嗎？"}), Message(data={TEXT: "which ID?"}), Message(data={})]
    assert component.process(messages) is messages
    assert [m.get(TEXT) for m in messages] == ["香港身份证可以吗？", "which ID?", None]


def test_it_runs_first_so_the_splitter_and_entities_see_simplified_text():
    pipeline = [c["name"] for c in yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["pipeline"]]
    assert pipeline[0] == "bot.nlu.script.SimplifiedChinese"
