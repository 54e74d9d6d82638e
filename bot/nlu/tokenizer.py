"""Tokenizer for English, Simplified Chinese and mixed-script messages.

Latin words and digits are split on whitespace and punctuation (so "4mb", "3.16.0" and "i'm"
stay whole), runs of Chinese ideographs are segmented by jieba with the project's user
dictionary. Everything else (punctuation, full-width punctuation, emoji) only separates tokens.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import jieba
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.script import CJK_CHAR_PATTERN

logger = logging.getLogger(__name__)

# Basic Latin, Latin-1/Extended-A/B letters and full-width ASCII letters and digits.
_LATIN_CHARS = "0-9A-Za-z\u00c0-\u024f\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
# Apostrophes join contractions ("i'm"); a dot joins only when a digit follows, so versions and
# sizes ("3.16.0", "4.5mb") stay whole while sentence ends and "U.S." still split.
LATIN_WORD_PATTERN = rf"[{_LATIN_CHARS}]+(?:['\u2019][{_LATIN_CHARS}]+|\.[0-9][{_LATIN_CHARS}]*)*"

# Cuts text into Latin words, runs of ideographs and single other characters, named by
# `match.lastgroup`; shared by the tokenizer, the entity extractor and DetailsOnlyIntent so
# that all three see the same words.
TEXT_PIECES = re.compile(
    rf"(?P<latin>{LATIN_WORD_PATTERN})|(?P<cjk>{CJK_CHAR_PATTERN}+)|(?P<other>\S)"
)

USERDICT_FILE_NAME = "jieba_userdict.txt"


def file_fingerprint(path: Optional[Text]) -> Optional[Text]:
    """Hashes a data file a component reads at training time.

    Rasa's training cache only sees the config and the graph inputs, so components that read
    their own data files return this from `fingerprint_addon`: editing a file then retrains
    the component instead of reusing a stale cached result.

    Args:
        path: Path of the file, or None.

    Returns:
        The SHA-256 hex digest of the file content, or None if there is no such file.
    """
    if not path or not Path(path).is_file():
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True
)
class BilingualTokenizer(Tokenizer):
    """Tokenizes English, Chinese and mixed messages with correct character offsets.

    Trainable only so that the jieba user dictionary is copied into the model: a trained model
    tokenizes the same way wherever it is run from.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Returns the default config (see parent class for full docstring)."""
        return {
            # jieba user dictionary, relative to the working directory at training time;
            # None trains without one.
            "dictionary_path": "data/jieba_userdict.txt",
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        """Lists the extra python packages this component needs."""
        return ["jieba"]

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        """Adds the user dictionary content to Rasa's training fingerprint."""
        return file_fingerprint(config["dictionary_path"])

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        userdict: Optional[bytes],
    ) -> None:
        """Creates the tokenizer and its private jieba segmenter.

        Args:
            config: The component configuration.
            model_storage: Storage the user dictionary is persisted to.
            resource: Resource of this component in `model_storage`.
            userdict: Content of the jieba user dictionary, if any.
        """
        super().__init__(config)
        self._model_storage = model_storage
        self._resource = resource
        self._userdict = userdict
        # A private instance keeps our user dictionary out of the process-wide `jieba` state
        # that other components (e.g. Rasa's JiebaTokenizer) share; building the prefix
        # dictionary takes about a second, so it happens once here and not per message.
        self._segmenter = jieba.Tokenizer()
        self._segmenter.initialize()
        if userdict:
            self._segmenter.load_userdict(io.BytesIO(userdict))

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> BilingualTokenizer:
        """Creates a tokenizer that reads the user dictionary from `dictionary_path`.

        Raises:
            FileNotFoundError: `dictionary_path` is set but there is no such file.
        """
        dictionary_path = config["dictionary_path"]
        userdict = Path(dictionary_path).read_bytes() if dictionary_path else None
        return cls(config, model_storage, resource, userdict)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> BilingualTokenizer:
        """Loads a tokenizer with the user dictionary persisted at training time."""
        userdict = None
        try:
            with model_storage.read_from(resource) as directory:
                path = directory / USERDICT_FILE_NAME
                if path.exists():
                    userdict = path.read_bytes()
        except ValueError:
            logger.warning(
                f"No persisted jieba user dictionary for resource '{resource.name}', "
                f"tokenizing Chinese without it."
            )
        return cls(config, model_storage, resource, userdict)

    def train(self, training_data: TrainingData) -> Resource:
        """Persists the user dictionary; there is nothing else to learn.

        Args:
            training_data: Unused, tokenization does not depend on it.

        Returns:
            The resource holding the user dictionary.
        """
        self.persist()
        return self._resource

    def persist(self) -> None:
        """Writes the user dictionary (if any) to the model storage."""
        with self._model_storage.write_to(self._resource) as directory:
            if self._userdict:
                (directory / USERDICT_FILE_NAME).write_bytes(self._userdict)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """Tokenizes the text of the given attribute of the message.

        Args:
            message: The message to tokenize.
            attribute: The message attribute holding the text.

        Returns:
            Tokens whose `start`/`end` index the original text.
        """
        text = message.get(attribute)
        tokens = []
        for piece in TEXT_PIECES.finditer(text):
            if piece.lastgroup == "latin":
                tokens.append(Token(piece.group(), piece.start()))
            elif piece.lastgroup == "cjk":
                tokens.extend(
                    Token(word, piece.start() + start)
                    for word, start, _ in self._segmenter.tokenize(piece.group())
                )
        if not tokens and text.strip():
            # Like Rasa's WhitespaceTokenizer: a message of only symbols (":)", "👍") keeps one
            # token, so featurizers still see something.
            stripped = text.strip()
            tokens = [Token(stripped, text.index(stripped))]
        return self._apply_token_pattern(tokens)
