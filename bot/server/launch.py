"""``rasa`` with this bot's serving changes: the TensorFlow guard and the Rasa patches.

Usage: ``python -m bot.server.launch run --model models/icp-assistant.tar.gz ...`` takes exactly
the arguments of the ``rasa`` command. For ``run`` it first reads ``rasa.__version__``, then:

1. installs the TensorFlow guard (below) when the model has no TensorFlow component and the
   Rasa version is one the guard was written for (``TF_GUARD_RASA_VERSIONS``);
2. applies the per-turn Rasa patches of ``bot.server.patches`` (its ``REGISTRY``: what each
   replaces, why, the gain measured in docs/benchmarks.md), each only on a Rasa version it was
   written for and only if the attribute it replaces still exists; the others stay off, logged,
   and Rasa's own code serves (same answers, slower);
3. logs one line with the patches applied and off, the turn gate and the guard, which the
   health endpoint (``/webhooks/health/``) reports too.

Plain ``rasa run`` and ``rasa shell`` give the same answers without any of it (a test compares).
``BOT_KEEP_TENSORFLOW=1`` leaves the guard out, ``BOT_STOCK_ACTION_VALIDATION=1`` the
``action_validation`` patch.

Why the TensorFlow guard:
Rasa 3.6 imports TensorFlow on every start, whatever the pipeline, through one chain:
``rasa.core.policies.policy`` -> ... -> ``rasa.nlu.extractors.extractor`` ->
``rasa.utils.train_utils`` -> ``rasa.utils.tensorflow.callback`` / ``.data_generator``, two
modules that hold training-only Keras classes (a progress-bar callback, a checkpoint callback,
a batch generator). Our pipeline (jieba, spaCy rules, count vectors, scikit-learn, RulePolicy)
never calls TensorFlow, yet the import costs seconds of startup and hundreds of MB of RSS, and
the thousands of extra modules make ``import skops.io`` (which scans ``sys.modules``) slower.
It is not an entry of the patch registry: it replaces modules, not an attribute, and must be
in place before anything imports Rasa beyond ``rasa/__init__`` (which imports no TensorFlow).

How, and why it is safe:

- Only when the model's ``metadata.json`` lists no component outside ``TF_FREE_RASA_MODULES``
  (custom ``bot.*`` components are allowed) are the two training-only modules replaced by
  placeholders; otherwise nothing changes (a DIET/TED model, such as the stock ``rasa init``
  config, runs exactly as with ``rasa``).
- A placeholder class refuses to be instantiated, so a stub can never be used silently.
- If anything imports ``tensorflow`` anyway (a custom component, a model loaded later), the
  import proceeds normally and, right after it, the real modules replace the placeholders
  (including the names ``rasa.utils.train_utils`` imported from them): correctness never
  depends on the check above.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import logging
import os
import sys
import tarfile
import types
from typing import Iterable, List, Optional, Sequence, Set

from bot import settings
from bot.server import patches

# Named, not __name__: run with `python -m`, this module is __main__.
logger = logging.getLogger("bot.server.launch")

#: Rasa versions whose module layout the guard was written for (the modules it stubs).
TF_GUARD_RASA_VERSIONS = patches.RASA_3_6
#: Rasa's own log format (``rasa.utils.io.configure_colored_logging``).
LOG_FORMAT = "%(asctime)s %(levelname)-8s %(name)s  - %(message)s"

# Modules whose components are known not to use TensorFlow at prediction time.
TF_FREE_RASA_MODULES = {
    "rasa.core.policies.ensemble",
    "rasa.core.policies.memoization",
    "rasa.core.policies.rule_policy",
    "rasa.graph_components.converters.nlu_message_converter",
    "rasa.graph_components.providers.domain_provider",
    "rasa.graph_components.providers.rule_only_provider",
    "rasa.nlu.classifiers.fallback_classifier",
    "rasa.nlu.classifiers.keyword_intent_classifier",
    "rasa.nlu.classifiers.logistic_regression_classifier",
    "rasa.nlu.classifiers.regex_message_handler",
    "rasa.nlu.extractors.entity_synonyms",
    "rasa.nlu.extractors.regex_entity_extractor",
    "rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer",
    "rasa.nlu.featurizers.sparse_featurizer.lexical_syntactic_featurizer",
    "rasa.nlu.featurizers.sparse_featurizer.regex_featurizer",
    "rasa.nlu.tokenizers.jieba_tokenizer",
    "rasa.nlu.tokenizers.whitespace_tokenizer",
}
# Training-only modules that import TensorFlow, and who imported names from them.
STUBBED = {
    "rasa.utils.tensorflow.callback": ("RasaTrainingLogger", "RasaModelCheckpoint"),
    "rasa.utils.tensorflow.data_generator": (
        "RasaDataGenerator",
        "RasaBatchDataGenerator",
    ),
    # Named by the training graph that model metadata carries, imported (never run) when a
    # model is loaded; it imports DIETClassifier, ResponseSelector and TEDPolicy.
    "rasa.graph_components.validators.default_recipe_validator": (
        "DefaultV1RecipeValidator",
    ),
}
IMPORTERS = {"rasa.utils.train_utils": ("RasaTrainingLogger", "RasaModelCheckpoint", "RasaBatchDataGenerator")}


def model_components(model_path: str) -> Set[str]:
    """Class paths of the prediction graph of a packed model (no Rasa import needed)."""
    with tarfile.open(model_path, "r:gz") as archive:
        for member in archive:
            if member.name.lstrip("/") == "metadata.json":
                metadata = json.load(archive.extractfile(member))
                break
        else:
            raise ValueError(f"{model_path}: no metadata.json")
    return {node["uses"] for node in metadata["predict_schema"]["nodes"].values()}


def model_is_tf_free(model_path: str) -> bool:
    """True when no component of the model comes from a Rasa module that may use TensorFlow."""
    try:
        components = model_components(model_path)
    except (OSError, ValueError, KeyError, tarfile.TarError, json.JSONDecodeError):
        return False
    for class_path in components:
        module = class_path.rsplit(".", 1)[0]
        if module.startswith("rasa.") and module not in TF_FREE_RASA_MODULES:
            return False
    return True


def _placeholder(module: str, name: str) -> type:
    def refuse(cls, *args, **kwargs):
        raise RuntimeError(
            f"{module}.{name} is a placeholder (bot launcher without TensorFlow): "
            "TensorFlow training code cannot run in this process."
        )

    return type(name, (), {"__new__": refuse, "__module__": module})


class _StubLoader(importlib.abc.Loader):
    def create_module(self, spec):
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        for name in STUBBED[module.__name__]:
            setattr(module, name, _placeholder(module.__name__, name))
        module.__bot_placeholder__ = True


class _RestoringLoader(importlib.abc.Loader):
    """Loads real TensorFlow, then swaps the placeholders for the real modules."""

    def __init__(self, finder: "TensorFlowGuard", loader: importlib.abc.Loader) -> None:
        self._finder = finder
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        self._loader.exec_module(module)
        self._finder.restore()


class TensorFlowGuard(importlib.abc.MetaPathFinder):
    """Serves placeholders for the training-only modules until TensorFlow is imported."""

    def __init__(self) -> None:
        self.active = True
        self.tf_imported_by_then = False

    def find_spec(self, name: str, path: Optional[Sequence[str]], target=None):
        if not self.active:
            return None
        if name in STUBBED:
            return importlib.machinery.ModuleSpec(name, _StubLoader())
        if name == "tensorflow":
            self.active = False  # from now on every import is the real one
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is not None and spec.loader is not None:
                spec.loader = _RestoringLoader(self, spec.loader)
            return spec
        return None

    def restore(self) -> None:
        """Replaces the placeholders by the real modules (TensorFlow is now loaded)."""
        self.active = False
        self.tf_imported_by_then = True
        for name in STUBBED:
            module = sys.modules.get(name)
            if module is not None and getattr(module, "__bot_placeholder__", False):
                del sys.modules[name]
                real = importlib.import_module(name)
                parent, _, child = name.rpartition(".")
                if parent in sys.modules:
                    setattr(sys.modules[parent], child, real)
        for importer, names in IMPORTERS.items():
            module = sys.modules.get(importer)
            if module is None:
                continue
            for attr in names:
                for stubbed_module in STUBBED:
                    if attr in STUBBED[stubbed_module]:
                        setattr(module, attr, getattr(sys.modules[stubbed_module], attr))
        logger.info("TensorFlow was imported after all; real training modules restored.")


class _NoTensorFlow(importlib.abc.MetaPathFinder):
    """Makes ``import tensorflow`` fail as if TensorFlow were not installed."""

    def find_spec(self, name: str, path: Optional[Sequence[str]], target=None):
        if name == "tensorflow" or name.startswith("tensorflow."):
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        return None


def _import_without_tensorflow(module: str) -> None:
    """Imports a library whose TensorFlow support is optional with that support off."""
    if module in sys.modules:
        return
    blocker = _NoTensorFlow()
    sys.meta_path.insert(0, blocker)
    try:
        importlib.import_module(module)
    finally:
        sys.meta_path.remove(blocker)


def install() -> TensorFlowGuard:
    """Puts the guard first on ``sys.meta_path`` (before anything imports Rasa).

    spaCy's ML library thinc imports TensorFlow when it is installed only to offer optional
    wrappers (``thinc.compat.has_tensorflow``); spaCy pipelines built without them (our rule
    based ``spacy.blank`` pipelines, Rasa's spaCy components) never use it, so thinc is
    imported first as on a machine without TensorFlow.
    """
    if "tensorflow" in sys.modules:
        raise RuntimeError("install() must run before anything imports TensorFlow")
    _import_without_tensorflow("thinc.compat")
    guard = TensorFlowGuard()
    sys.meta_path.insert(0, guard)
    return guard


def _model_argument(argv: Iterable[str]) -> Optional[str]:
    args = list(argv)
    for i, arg in enumerate(args):
        if arg in ("--model", "-m") and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--model="):
            return arg.split("=", 1)[1]
    return None


def prepare_serving(
    model: Optional[str],
    rasa_version: str,
    keep_tensorflow: bool = False,
    stock_action_validation: bool = False,
) -> List[patches.PatchResult]:
    """What ``rasa run`` gets before Rasa starts: the guard when it may, then the patches.

    Args:
        model: Path of the model to be served (the guard checks its components), if known.
        rasa_version: ``rasa.__version__``.
        keep_tensorflow: Never install the guard (``BOT_KEEP_TENSORFLOW``).
        stock_action_validation: Leave ``action_validation`` off
            (``BOT_STOCK_ACTION_VALIDATION``).

    Returns:
        ``bot.server.patches.apply_all``'s outcome; also logged as one line.
    """
    guard = False
    if rasa_version not in TF_GUARD_RASA_VERSIONS:
        logger.warning(
            "TensorFlow guard off: written for Rasa %s, not %s",
            ", ".join(TF_GUARD_RASA_VERSIONS), rasa_version,
        )
    elif model and os.path.isfile(model) and not keep_tensorflow and model_is_tf_free(model):
        install()
        guard = True
    patches.record_tensorflow_guard(guard)
    off = {"action_validation": "BOT_STOCK_ACTION_VALIDATION=1"} if stock_action_validation else {}
    results = patches.apply_all(rasa_version, off=off)
    logger.info(patches.summary())
    return results


def _log_to_stderr() -> None:
    """Lets the lines logged before Rasa sets up logging reach stderr, in Rasa's format.

    Rasa configures logging only once its CLI runs (coloredlogs, which then replaces this
    stderr handler instead of adding a second one); until then Python drops INFO lines.
    """
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, stream=sys.stderr)


def main(argv: Optional[List[str]] = None) -> None:
    """``rasa`` with, for ``run``, the guard (when the model allows it) and the patches."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["run"]:
        import rasa  # its __init__ imports no TensorFlow, so the guard can still go first

        _log_to_stderr()
        prepare_serving(
            _model_argument(argv),
            rasa.__version__,
            keep_tensorflow=settings.get_flag("BOT_KEEP_TENSORFLOW"),
            stock_action_validation=settings.get_flag("BOT_STOCK_ACTION_VALIDATION"),
        )
    sys.argv = ["rasa", *argv]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
