"""The pipeline rewrites the text before anything else looks at it: Traditional Chinese as
Simplified, input-method slips as meant, pinyin jargon in English as English."""
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.script import ImeSlips, PinyinTerms, SimplifiedChinese

CONFIG = Path(__file__).resolve().parents[3] / "config.yml"


def test_it_runs_first_so_the_splitter_and_entities_see_simplified_text():
    pipeline = [c["name"] for c in yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["pipeline"]]
    assert pipeline[0] == "bot.nlu.script.SimplifiedChinese"
    # Input-method slips are read on the Simplified text, before the splitter reads it.
    assert pipeline[1] == "bot.nlu.script.ImeSlips"
    # Pinyin jargon in English is read before the splitter too.
    assert pipeline[2] == "bot.nlu.script.PinyinTerms"


@pytest.mark.parametrize("component, text, read, other, trained", [
    # Traditional characters read as Simplified, in training examples too.
    (SimplifiedChinese, "香港身份證可以嗎？", "香港身份证可以吗？", "which ID?", "香港身份证可以吗？"),
    # Input-method slips are read at run time only: training examples with slips teach the
    # classifier the slips the table does not know.
    (ImeSlips, "和验单在哪下载", "核验单在哪下载", "which ID?", "和验单在哪下载"),
    # Pinyin jargon in English is read as English, in training examples too, so the model
    # learns the English words; Chinese text is left alone.
    (PinyinTerms, "where is the hexiaodan template", "where is the verification form template", "核验单",
     "where is the verification form template"),
])
def test_each_message_is_rewritten_in_place_and_others_left_alone(component, text, read, other, trained):
    rewriter = component()
    messages = [Message(data={TEXT: text}), Message(data={TEXT: other}), Message(data={})]
    assert rewriter.process(messages) is messages
    assert [m.get(TEXT) for m in messages] == [read, other, None]
    example = Message(data={TEXT: text})
    rewriter.process_training_data(TrainingData([example]))
    assert example.get(TEXT) == trained
