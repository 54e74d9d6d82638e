"""Extracts `province`, `applicant_type` and `residency` entities with canonical values.

Three matchers run over every message; each produces spans on the original text:

- Latin phrases (English names, pinyin, nationality words) are spaCy `entity_ruler` phrase
  patterns (LOWER) on a `spacy.blank("en")` pipeline whose tokenizer cuts text like
  `BilingualTokenizer`: patterns and messages are always cut the same way, mixed-script text
  ("我在Guangdong") still matches, and every token maps back to exact character offsets.
  All-capital phrases ("US", "HK") are case-sensitive token patterns (ORTH).
- Chinese phrases are found by a longest-match scan over the raw runs of ideographs. Chinese has
  no word boundaries, so a PhraseMatcher on a character-level `spacy.blank("zh")` pipeline would
  compute exactly the same substring matches, only with a second pipeline and a token to
  character mapping; a dictionary lookup over short windows is simpler and takes microseconds.
- Typos of English/pinyin province names ("guangdon", "inner mongloia") are matched by
  Damerau-Levenshtein distance, only on words no exact pattern covered.

`not_entities` phrases from the lexicon ("business license", "两个人") take part in the
longest-match resolution like any other phrase and are then dropped, which removes the shorter
entity words they contain. Matches right after a lexicon negation ("not a Chinese national",
"非中国籍", "we are not a company") are dropped too.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Set, Text, Tuple, Union

import spacy
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.tokens import Doc
from spacy.vocab import Vocab

from bot.core.checklist import ALIBABA_DOMAIN, DOMAIN_COUNT, USE_APP
from bot.core.details import APPLICANT_TYPE, PROVINCE, RESIDENCY
from bot.nlu.tokenizer import CJK_CHAR_PATTERN, TEXT_PIECES, file_fingerprint

PATTERNS_FILE_NAME = "patterns.json"
PATTERNS_VERSION = 1

# Label of lexicon `not_entities` phrases: they win overlaps, then produce nothing.
_BLOCKED = "_not_entity"

_CJK = re.compile(CJK_CHAR_PATTERN)
# One-character short forms (粤, 新, 云 ...) are ordinary words in most sentences; they name a
# province only in filing numbers ("粤ICP备12345678号", "粤备 2021...") or as a bare answer ("粤",
# "粤省"). "ICP备案" means "ICP filing" and 备 starts words ("备案", "备份"), so "阿里云ICP备案" and
# "阿里云备份" are not Yunnan.
_SHORT_FORM_NUMBER = re.compile(
    rf"\s*(?:ICP\s*备(?!案)|备(?!{CJK_CHAR_PATTERN}))", re.IGNORECASE
)
# "粤ICP" names a filing number only where the short form starts a word ("阿里云ICP" does not).
_SHORT_FORM_ICP = re.compile(r"\s*ICP", re.IGNORECASE)
_SHORT_FORM_SUFFIXES = ("", "省", "地区")
# How far back a negation is looked for: a negation word plus two gap words.
_NEGATION_WINDOW = 40

_EXACT_CONFIDENCE = 1.0
# A typo match loses a tenth of confidence for being fuzzy and a tenth per edit, so "si chuan"
# (spacing only) scores 0.9 and "sichaun" 0.8.
_FUZZY_CONFIDENCE_STEP = 0.1
_FUZZY_MIN_LENGTH = 5
_FUZZY_LONG_WORD_LENGTH = 8
_FUZZY_MAX_DISTANCE = 2
# Enough for names written as separate pinyin syllables ("hei long jiang").
_FUZZY_MAX_WORDS = 3
_FUZZY_CACHE_SIZE = 16384


class EntityMatch(NamedTuple):
    """An entity found in a text: a character span with its canonical value."""

    start: int
    end: int
    entity: Text
    value: Text
    confidence: float


def build_patterns(provinces_path: Text, lexicon_path: Text) -> Dict[Text, Any]:
    """Builds the matcher patterns from the province database and the lexicon.

    Args:
        provinces_path: Path of `provinces.yml`.
        lexicon_path: Path of `lexicon.yml`.

    Returns:
        JSON-serialisable patterns that `IcpMatcher` is built from.

    Raises:
        ValueError: The same phrase is given two different meanings.
    """
    provinces = yaml.safe_load(Path(provinces_path).read_text(encoding="utf-8"))
    lexicon = yaml.safe_load(Path(lexicon_path).read_text(encoding="utf-8"))

    meanings: Dict[Text, Tuple[Text, Text]] = {}
    fuzzy_names: Dict[Text, Text] = {}
    province_keys = {province["key"] for province in provinces["provinces"]}
    for province in provinces["provinces"]:
        key = province["key"]
        names = [province["name_en"], province["name_zh"], province["pinyin"]]
        for phrase in [*names, *province.get("aliases", [])]:
            _add_meaning(meanings, phrase, PROVINCE, key)
        # Only the real names are typo-corrected: alternative spellings such as "Canton" or
        # "Peking" sit one edit away from everyday words ("carton", "peeking").
        for name in (province["name_en"], province["pinyin"]):
            fuzzy_names[" ".join(name.lower().split())] = key
    for key, phrases_by_language in lexicon["cities"].items():
        if key not in province_keys:
            raise ValueError(f"Cities listed under unknown province {key!r}.")
        for phrases in phrases_by_language.values():
            for phrase in phrases:
                _add_meaning(meanings, phrase, PROVINCE, key)
    for entity in (APPLICANT_TYPE, RESIDENCY):
        for value, phrases_by_language in lexicon[entity].items():
            for phrases in phrases_by_language.values():
                for phrase in phrases:
                    _add_meaning(meanings, phrase, entity, value)
    for phrases in lexicon["not_entities"].values():
        for phrase in phrases:
            _add_meaning(meanings, phrase, _BLOCKED, "")

    latin: Dict[Text, Dict[Text, Any]] = {}
    chinese: Dict[Text, List[Text]] = {}
    short_forms: Dict[Text, List[Text]] = {}
    for phrase, (entity, value) in meanings.items():
        if len(phrase) == 1 and _CJK.match(phrase):
            short_forms[phrase] = [entity, value]
        elif _CJK.search(phrase):
            chinese[phrase] = [entity, value]
        else:
            latin[phrase] = {"label": entity, "id": value, "pattern": _ruler_pattern(phrase)}
    return {
        "version": PATTERNS_VERSION,
        "latin": list(latin.values()),
        "chinese": chinese,
        "short_forms": short_forms,
        "fuzzy_names": fuzzy_names,
        "fuzzy_exclude": sorted(word.lower() for word in lexicon["fuzzy_exclude"]),
        "negations": lexicon["negations"],
        "negation_gap_words": lexicon["negation_gap_words"],
    }


def _add_meaning(
    meanings: Dict[Text, Tuple[Text, Text]], phrase: Any, entity: Text, value: Text
) -> None:
    if not isinstance(phrase, str):
        raise ValueError(
            f"Phrase {phrase!r} for {entity}={value} is not a string; quote YAML words "
            f"such as yes/no/on."
        )
    # Case only matters for all-capital Latin phrases ("US" vs "us"); see `_ruler_pattern`.
    key = phrase.strip() if phrase.isupper() else phrase.strip().lower()
    keys = [key]
    if entity != _BLOCKED and len(key.split()) > 1 and not _CJK.search(key):
        # People often run multi-word names together ("hongkong", "innermongolia").
        keys.append("".join(key.split()))
    for key in keys:
        if meanings.get(key, (entity, value)) != (entity, value):
            raise ValueError(
                f"Phrase {key!r} means both {meanings[key]} and {(entity, value)}."
            )
        meanings[key] = (entity, value)


def _ruler_pattern(phrase: Text) -> Union[Text, List[Dict[Text, Text]]]:
    # All-capital phrases ("US", "UK", "HK") are token patterns on ORTH so that the pronoun "us"
    # is never a country; everything else is a phrase pattern, matched on LOWER.
    if phrase.isupper():
        return [{"ORTH": piece.group()} for piece in TEXT_PIECES.finditer(phrase)]
    return phrase


def _pattern_words(pattern: Union[Text, List[Dict[Text, Text]]]) -> List[Text]:
    if isinstance(pattern, str):
        return [piece.group().lower() for piece in TEXT_PIECES.finditer(pattern)]
    return [token["ORTH"].lower() for token in pattern]


class _PieceTokenizer:
    """spaCy tokenizer that cuts text like `BilingualTokenizer` (see `TEXT_PIECES`)."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: Text) -> Doc:
        return Doc(
            self.vocab, words=[piece.group() for piece in TEXT_PIECES.finditer(text)]
        )


def _squash(name: Text) -> Text:
    """Lowercases a name and drops everything but letters ("Inner Mongolia" -> "innermongolia")."""
    return "".join(char for char in name.lower() if char.isalpha())


def osa_distance(first: Text, second: Text) -> int:
    """Damerau-Levenshtein distance in its optimal string alignment form.

    Insertions, deletions, substitutions and swaps of adjacent characters each cost one edit
    ("sichaun" -> "sichuan" is one swap).

    Args:
        first: A string.
        second: Another string.

    Returns:
        The number of edits that turn `first` into `second`.
    """
    before_previous: List[int] = []
    previous = list(range(len(second) + 1))
    for i, first_char in enumerate(first, 1):
        current = [i] + [0] * len(second)
        for j, second_char in enumerate(second, 1):
            current[j] = min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (first_char != second_char),
            )
            if (
                i > 1
                and j > 1
                and first_char == second[j - 2]
                and first[i - 2] == second_char
            ):
                current[j] = min(current[j], before_previous[j - 2] + 1)
        before_previous, previous = previous, current
    return previous[-1]


class FuzzyNameIndex:
    """Finds the province name closest to a misspelt word.

    There are only a few dozen names, so every name is considered, but the exact distance is
    computed only for names that pass two cheap bounds: the lengths differ by at most the
    allowed distance, and so do the sets of letters (one edit adds or removes at most one
    distinct letter).
    """

    def __init__(self, names: Dict[Text, Text]) -> None:
        """Indexes the names.

        Args:
            names: Squashed name (see `_squash`) to province key.
        """
        self._names = [(name, key, frozenset(name)) for name, key in names.items()]
        # Users repeat the same words; a cache makes most lookups a dictionary hit.
        self._cached_closest = functools.lru_cache(maxsize=_FUZZY_CACHE_SIZE)(
            self._closest
        )

    def closest(self, word: Text) -> Optional[Tuple[Text, int]]:
        """Returns the province a word is a typo of, if exactly one is closest.

        Args:
            word: Squashed word; words shorter than five letters are never corrected.

        Returns:
            The province key and the edit distance, or None when no name is close enough or
            two provinces are equally close (e.g. "shannxi" for Shanxi and Shaanxi).
        """
        return self._cached_closest(word)

    def _closest(self, word: Text) -> Optional[Tuple[Text, int]]:
        if len(word) < _FUZZY_MIN_LENGTH:
            return None
        max_distance = _FUZZY_MAX_DISTANCE if len(word) >= _FUZZY_LONG_WORD_LENGTH else 1
        letters = set(word)
        distances: Dict[Text, int] = {}
        for name, key, name_letters in self._names:
            if (
                abs(len(name) - len(word)) > max_distance
                or len(letters - name_letters) > max_distance
                or len(name_letters - letters) > max_distance
            ):
                continue
            distance = osa_distance(word, name)
            if distance <= max_distance and distance < distances.get(key, distance + 1):
                distances[key] = distance
        if not distances:
            return None
        best = min(distances.values())
        winners = [key for key, distance in distances.items() if distance == best]
        return (winners[0], best) if len(winners) == 1 else None


class IcpMatcher:
    """Finds entities in a text with patterns made by `build_patterns`."""

    def __init__(self, patterns: Dict[Text, Any]) -> None:
        """Builds the spaCy pipeline and lookup tables.

        Args:
            patterns: Output of `build_patterns`.
        """
        self._nlp = spacy.blank("en")
        # Phrase patterns are tokenized by the pipeline's tokenizer: it must cut them exactly
        # as `_find_latin` cuts messages.
        self._nlp.tokenizer = _PieceTokenizer(self._nlp.vocab)
        ruler = self._nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
        ruler.add_patterns(patterns["latin"])
        self._chinese = {
            phrase: tuple(meaning) for phrase, meaning in patterns["chinese"].items()
        }
        self._max_chinese_length = max(map(len, self._chinese), default=0)
        self._short_forms = {
            char: tuple(meaning) for char, meaning in patterns["short_forms"].items()
        }
        names = patterns["fuzzy_names"]
        self._names = {_squash(name): key for name, key in names.items()}
        # A single word is compared with every name ("innermongloia" too); several words only
        # with names of as many words ("inner mongloia"). Other word sequences must spell a
        # name exactly ("guang dong"): one edit away, everyday pairs like "then an" (Henan)
        # or "here i" (Hebei) would match.
        multi_word: Dict[int, Dict[Text, Text]] = defaultdict(dict)
        for name, key in names.items():
            if len(name.split()) > 1:
                multi_word[len(name.split())][_squash(name)] = key
        self._fuzzy_by_size = {1: FuzzyNameIndex(self._names)}
        self._fuzzy_by_size.update(
            (size, FuzzyNameIndex(sized)) for size, sized in multi_word.items()
        )
        self._fuzzy_exclude = set(patterns["fuzzy_exclude"])
        self._negated = _negation_patterns(
            patterns["negations"], patterns["negation_gap_words"]
        )
        # "shanxi" is one edit from "shaanxi": a word that is itself a known phrase (or any
        # word of one) is never typo-corrected into something else on its own.
        self._known_words = {
            word for pattern in patterns["latin"] for word in _pattern_words(pattern["pattern"])
        }

    def find(self, text: Text) -> List[EntityMatch]:
        """Finds all entities in a text.

        Args:
            text: The message text.

        Returns:
            Non-overlapping matches ordered by start offset.
        """
        pieces = list(TEXT_PIECES.finditer(text))
        latin, covered = self._find_latin(pieces)
        matches = [
            *latin,
            *self._find_typos(text, pieces, covered),
            *self._find_chinese(text, pieces),
        ]
        return sorted(
            (
                match
                for match in matches
                if match.entity != _BLOCKED and not self._is_negated(text, match.start)
            ),
            key=lambda match: match.start,
        )

    def _is_negated(self, text: Text, start: int) -> bool:
        window_start = max(0, start - _NEGATION_WINDOW)
        return any(
            pattern.search(text, window_start, start) for pattern in self._negated
        )

    def _find_latin(
        self, pieces: List[re.Match]
    ) -> Tuple[List[EntityMatch], Set[int]]:
        if not any(piece.lastgroup == "latin" for piece in pieces):
            return [], set()
        # CJK runs and punctuation stay in the Doc as tokens so that no pattern can match
        # across them ("Hong, Kong" is not Hong Kong).
        doc = self._nlp(Doc(self._nlp.vocab, words=[piece.group() for piece in pieces]))
        matches = []
        covered: Set[int] = set()
        for span in doc.ents:
            covered.update(range(span.start, span.end))
            matches.append(
                EntityMatch(
                    pieces[span.start].start(),
                    pieces[span.end - 1].end(),
                    span.label_,
                    span.ent_id_,
                    _EXACT_CONFIDENCE,
                )
            )
        return matches, covered

    def _find_typos(
        self, text: Text, pieces: List[re.Match], covered: Set[int]
    ) -> List[EntityMatch]:
        candidates = []
        for run in self._typo_runs(text, pieces, covered):
            for size in range(1, _FUZZY_MAX_WORDS + 1):
                for first in range(len(run) - size + 1):
                    words = [pieces[i].group().lower() for i in run[first : first + size]]
                    if size == 1 and words[0] in self._known_words:
                        continue
                    joined = "".join(words)
                    if size > 1 and joined in self._names:
                        found: Optional[Tuple[Text, int]] = (self._names[joined], 0)
                    else:
                        index = self._fuzzy_by_size.get(size)
                        found = index.closest(joined) if index else None
                    if found:
                        key, distance = found
                        candidates.append((distance, -size, run[first], size, key))
        matches = []
        taken: Set[int] = set()
        for distance, _, first, size, key in sorted(candidates):
            indices = set(range(first, first + size))
            if indices & taken:
                continue
            taken |= indices
            matches.append(
                EntityMatch(
                    pieces[first].start(),
                    pieces[first + size - 1].end(),
                    PROVINCE,
                    key,
                    round(
                        _EXACT_CONFIDENCE - _FUZZY_CONFIDENCE_STEP * (distance + 1), 2
                    ),
                )
            )
        return matches

    def _typo_runs(
        self, text: Text, pieces: List[re.Match], covered: Set[int]
    ) -> Iterable[List[int]]:
        """Yields runs of uncovered alphabetic words separated only by whitespace."""
        run: List[int] = []
        for index, piece in enumerate(pieces):
            word = piece.group()
            usable = (
                piece.lastgroup == "latin"
                and word.isalpha()
                and index not in covered
                and word.lower() not in self._fuzzy_exclude
            )
            joined = (
                bool(run) and not text[pieces[run[-1]].end() : piece.start()].strip()
            )
            if usable and (joined or not run):
                run.append(index)
                continue
            if run:
                yield run
            run = [index] if usable else []
        if run:
            yield run

    def _find_chinese(self, text: Text, pieces: List[re.Match]) -> List[EntityMatch]:
        candidates = []
        for piece in pieces:
            if piece.lastgroup != "cjk":
                continue
            run, offset = piece.group(), piece.start()
            for i in range(len(run)):
                longest = min(self._max_chinese_length, len(run) - i)
                for length in range(longest, 1, -1):
                    meaning = self._chinese.get(run[i : i + length])
                    if meaning:
                        candidates.append(
                            EntityMatch(
                                offset + i, offset + i + length, *meaning, _EXACT_CONFIDENCE
                            )
                        )
                meaning = self._short_forms.get(run[i])
                if meaning and _is_short_form_use(text, offset + i):
                    candidates.append(
                        EntityMatch(offset + i, offset + i + 1, *meaning, _EXACT_CONFIDENCE)
                    )
        # Longest match wins, then the leftmost: "两个人" beats "个人", "内蒙古自治区" beats "内蒙古".
        matches: List[EntityMatch] = []
        for candidate in sorted(candidates, key=lambda m: (m.start - m.end, m.start)):
            if all(
                candidate.end <= match.start or candidate.start >= match.end
                for match in matches
            ):
                matches.append(candidate)
        return matches


# --- Details only the document checklist needs ------------------------------------------------
# How many domain names, whether they are registered at Alibaba Cloud, whether the applicant
# wants the app. Each is said in few ways, so regular expressions over the whole text suffice;
# the app preference is only taken from wishes ("I want to use the app", "不用APP"), never
# from questions ("can I use the app?"), which ask about availability.
_NUMBER_WORDS = {
    "one": 1, "a single": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}
_CHINESE_NUMBERS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_DOMAIN_COUNT_EN = re.compile(
    r"\b(?P<n>\d{1,4}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
    r"\s+(?:\w+\s+)?domains?(?:\s+names?)?\b",
    re.IGNORECASE,
)
_DOMAIN_COUNT_ZH = re.compile(r"(?P<n>\d{1,4}|[一两二三四五六七八九十])\s*个\s*(?:网站)?域名")
_ALIBABA_NO = re.compile(
    r"\bnot\s+(?:registered\s+|bought\s+|purchased\s+)?(?:at|with|on|from|through)\s+"
    r"(?:alibaba(?:\s+cloud)?|aliyun)\b|不是在阿里云|不在阿里云|非阿里云|没在阿里云",
    re.IGNORECASE,
)
_ALIBABA_YES = re.compile(
    r"\b(?:registered|bought|purchased|hosted)\s+(?:at|with|on|from|through|in)\s+"
    r"(?:alibaba(?:\s+cloud)?|aliyun)\b|\b(?:alibaba\s+cloud|aliyun)\s+domains?\b|"
    r"在阿里云(?:上)?(?:注册|买|购买)|阿里云(?:注册|购买)的|阿里云的域名|阿里云域名",
    re.IGNORECASE,
)
_APP_NO = re.compile(
    r"\b(?:don'?t|do\s+not|won'?t|will\s+not|rather\s+not)\s+(?:want\s+to\s+)?use\s+the\s+"
    r"(?:alibaba\s+cloud\s+|aliyun\s+)?app\b|\bwithout\s+the\s+app\b|"
    r"\b(?:upload|do\s+it)\s+from\s+(?:my|the)\s+(?:computer|pc|laptop)\b|"
    r"不用(?:阿里云)?APP|不想用(?:阿里云)?APP|在电脑上传|用电脑上传",
    re.IGNORECASE,
)
_APP_YES = re.compile(
    r"\b(?:want|like|prefer|plan|going)\s+to\s+use\s+the\s+(?:alibaba\s+cloud\s+|aliyun\s+)?app\b|"
    r"\b(?:I'?ll|I\s+will|we'?ll|we\s+will)\s+use\s+the\s+(?:alibaba\s+cloud\s+|aliyun\s+)?app\b|"
    r"(?<!不)想用(?:阿里云)?APP|打算用(?:阿里云)?APP|希望用(?:阿里云)?APP",
    re.IGNORECASE,
)


def find_checklist_details(text: Text) -> List[EntityMatch]:
    """Domain count, Alibaba Cloud registration and app preference said in a message.

    Args:
        text: The message text.

    Returns:
        At most one match per entity: ``domain_count`` (a whole number as text),
        ``alibaba_domain`` and ``use_app`` (``"yes"`` / ``"no"``); a negative wording wins
        over the positive one it contains.
    """
    matches: List[EntityMatch] = []
    found = _DOMAIN_COUNT_EN.search(text)
    if found:
        word = found["n"].lower()
        count = int(word) if word.isdigit() else _NUMBER_WORDS[word]
        matches.append(EntityMatch(found.start(), found.end(), DOMAIN_COUNT, str(count), _EXACT_CONFIDENCE))
    else:
        found = _DOMAIN_COUNT_ZH.search(text)
        if found:
            word = found["n"]
            count = int(word) if word.isdigit() else _CHINESE_NUMBERS[word]
            matches.append(EntityMatch(found.start(), found.end(), DOMAIN_COUNT, str(count), _EXACT_CONFIDENCE))
    for entity, negative, positive in (
        (ALIBABA_DOMAIN, _ALIBABA_NO, _ALIBABA_YES),
        (USE_APP, _APP_NO, _APP_YES),
    ):
        for pattern, value in ((negative, "no"), (positive, "yes")):
            found = pattern.search(text)
            if found:
                matches.append(EntityMatch(found.start(), found.end(), entity, value, _EXACT_CONFIDENCE))
                break
    # "0 domains" gives no count: a filing has at least one domain name.
    return [m for m in matches if not (m.entity == DOMAIN_COUNT and m.value == "0")]


def _negation_patterns(
    negations: Dict[Text, List[Text]], gap_words: Dict[Text, List[Text]]
) -> List[re.Pattern]:
    """Patterns that match a text ending in a negation and at most two gap words."""

    def alternatives(words: List[Text]) -> Text:
        # Longest first, so "isn't" is tried before "is"; both apostrophes are accepted.
        ordered = sorted(words, key=len, reverse=True)
        return "|".join(re.escape(word).replace("'", "['\u2019]") for word in ordered)

    english = re.compile(
        rf"(?<![\w'\u2019])(?:{alternatives(negations['en'])})"
        rf"(?:[\s-]+(?:{alternatives(gap_words['en'])})){{0,2}}[\s-]+$",
        re.IGNORECASE,
    )
    # "是不是" asks "whether", it negates nothing.
    chinese = re.compile(
        rf"(?<!是)(?:{alternatives(negations['zh'])})"
        rf"(?:{alternatives(gap_words['zh'])}){{0,2}}\s*$"
    )
    return [english, chinese]


def _is_short_form_use(text: Text, position: int) -> bool:
    if _SHORT_FORM_NUMBER.match(text, position + 1):
        return True
    if _SHORT_FORM_ICP.match(text, position + 1) and not (
        position and _CJK.match(text[position - 1])
    ):
        return True
    return (
        not _without_punctuation(text[:position])
        and _without_punctuation(text[position + 1 :]) in _SHORT_FORM_SUFFIXES
    )


def _without_punctuation(text: Text) -> Text:
    return "".join(
        char for char in text if unicodedata.category(char)[0] not in "PZSC"
    )


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True
)
class IcpEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts provinces, applicant types and residencies as canonical values.

    Training reads `provinces_path` and `lexicon_path` and stores the resulting patterns in the
    model; a loaded model never reads `data/` again.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Returns the default config (see parent class for full docstring)."""
        return {
            "provinces_path": "data/provinces.yml",
            "lexicon_path": "data/lexicon.yml",
        }

    @staticmethod
    def required_packages() -> List[Text]:
        """Lists the extra python packages this component needs."""
        return ["spacy"]

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        """Adds the data files' content to Rasa's training fingerprint."""
        return json.dumps(
            [
                file_fingerprint(config["provinces_path"]),
                file_fingerprint(config["lexicon_path"]),
            ]
        )

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        patterns: Optional[Dict[Text, Any]] = None,
    ) -> None:
        """Creates the extractor.

        Args:
            config: The component configuration.
            model_storage: Storage the patterns are persisted to.
            resource: Resource of this component in `model_storage`.
            patterns: Patterns from `build_patterns`; None until trained.
        """
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._patterns = patterns
        self._matcher = IcpMatcher(patterns) if patterns else None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IcpEntityExtractor:
        """Creates an untrained extractor (see parent class for full docstring)."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> IcpEntityExtractor:
        """Loads the extractor from the patterns persisted at training time.

        Raises:
            ValueError: The patterns were written in another format version.
        """
        with model_storage.read_from(resource) as directory:
            patterns = json.loads(
                (directory / PATTERNS_FILE_NAME).read_text(encoding="utf-8")
            )
        if patterns.get("version") != PATTERNS_VERSION:
            raise ValueError(
                f"The model's {cls.__name__} patterns have format version "
                f"{patterns.get('version')}, this code reads {PATTERNS_VERSION}: retrain."
            )
        return cls(config, model_storage, resource, patterns)

    def train(self, training_data: TrainingData) -> Resource:
        """Builds the patterns from the data files and persists them.

        Args:
            training_data: Unused; the patterns come from the province database and lexicon.

        Returns:
            The resource holding the patterns.
        """
        self._patterns = build_patterns(
            self._config["provinces_path"], self._config["lexicon_path"]
        )
        self._matcher = IcpMatcher(self._patterns)
        self.persist()
        return self._resource

    def persist(self) -> None:
        """Writes the patterns to the model storage."""
        with self._model_storage.write_to(self._resource) as directory:
            (directory / PATTERNS_FILE_NAME).write_text(
                json.dumps(self._patterns, ensure_ascii=False), encoding="utf-8"
            )

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the entities found in each message to its `entities`.

        Args:
            messages: The messages to annotate.

        Returns:
            The same messages.
        """
        if self._matcher is None:
            return messages
        for message in messages:
            entities = [
                {
                    "entity": match.entity,
                    "value": match.value,
                    "start": match.start,
                    "end": match.end,
                    "confidence_entity": match.confidence,
                    "extractor": self.name,
                }
                for match in [
                    *self._matcher.find(message.get(TEXT) or ""),
                    *find_checklist_details(message.get(TEXT) or ""),
                ]
            ]
            if entities:
                message.set(
                    ENTITIES, [*message.get(ENTITIES, []), *entities], add_to_output=True
                )
        return messages
