"""`rasa` with two serving fixes (see docs/benchmarks.md).

Usage: ``python -m bot.server.launch run --model models/icp-assistant.tar.gz ...`` takes exactly
the arguments of the ``rasa`` command.

1. Action server replies are validated with a JSON-schema validator built once
   (``patch_action_validation``): Rasa 3.6 calls ``jsonschema.validate`` per reply, which
   re-validates its large, constant events schema against the meta-schema every time (tens of
   ms per custom action). Same schema, same errors, same messages.
2. TensorFlow is not imported when the model has no TensorFlow component (below).

Why 2:
Rasa 3.6 imports TensorFlow on every start, whatever the pipeline, through one chain:
``rasa.core.policies.policy`` -> ... -> ``rasa.nlu.extractors.extractor`` ->
``rasa.utils.train_utils`` -> ``rasa.utils.tensorflow.callback`` / ``.data_generator``, two
modules that hold training-only Keras classes (a progress-bar callback, a checkpoint callback,
a batch generator). Our pipeline (jieba, spaCy rules, count vectors, scikit-learn, RulePolicy)
never calls TensorFlow, yet the import costs seconds of startup and hundreds of MB of RSS, and
the thousands of extra modules make ``import skops.io`` (which scans ``sys.modules``) slower.

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

logger = logging.getLogger(__name__)

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


def patch_action_validation() -> None:
    """Validates action server replies with a validator compiled once (see module doc)."""
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, instead of once per reply
    validator = validator_class(schema)

    def _validate_action_result(self, result):
        error = best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, "
                "make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    RemoteAction._validate_action_result = _validate_action_result


def patch_event_type_lookup() -> None:
    """Resolves event type names through a dict instead of walking the class tree.

    Rasa 3.6's ``Event.resolve_by_type`` calls ``all_subclasses(Event)`` (a recursive walk
    plus ``inspect.isabstract`` per class) for every event it deserialises: every event of
    every tracker read from the store and of every action server reply, 4-5% of a turn's CPU
    (docs/benchmarks.md). The table keeps the first match in the walk's order, as the loop
    does, and is rebuilt on a miss, so event classes defined later are still found.
    """
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    original = Event.resolve_by_type
    table: dict = {}

    def rebuild() -> None:
        table.clear()
        for cls in all_subclasses(Event):
            table.setdefault(cls.type_name, cls)

    def resolve_by_type(type_name, default=None):
        cls = table.get(type_name)
        if cls is None:
            rebuild()
            cls = table.get(type_name)
        # The original's fallbacks ("topic", default, ValueError) for unknown names.
        return cls if cls is not None else original(type_name, default)

    Event.resolve_by_type = staticmethod(resolve_by_type)


def patch_graph_runner() -> None:
    """Runs Rasa's prediction graphs in a fixed order planned once per set of targets.

    ``DaskGraphRunner.run`` rebuilds the minimal schema and the dask graph and has dask plan an
    execution order (``dask.order``) on every run: three runs per turn (NLU, two policy
    predictions), ~0.8 ms each. The graphs are fixed once loaded, and dask's synchronous
    scheduler runs one node at a time anyway, so the same nodes run in a topological order
    computed once; each node gets the same ``(name, output)`` inputs as under dask. Errors
    raised by nodes propagate unchanged, as with ``dask.get``.
    """
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    def plan(self, targets):
        plans = self.__dict__.setdefault("_icp_plans", {})
        key = tuple(targets)
        if key not in plans:
            schema = self._graph_schema.minimal_graph_schema(list(targets))
            order, seen = [], set()

            def visit(name):
                if name in seen or name not in schema.nodes:
                    return
                seen.add(name)
                needs = list(schema.nodes[name].needs.values())
                for need in needs:
                    visit(need)
                order.append((name, needs))

            for name in schema.nodes:  # schema order, so runs are deterministic
                visit(name)
            plans[key] = (order, set(schema.nodes))
        return plans[key]

    def run(self, inputs=None, targets=None):
        run_targets = targets if targets else self._graph_schema.target_names
        order, node_names = plan(self, run_targets)
        results = {}
        for input_name, input_value in (inputs or {}).items():
            if isinstance(input_value, str) and input_value in node_names:
                raise GraphRunError(
                    f"Input value '{input_value}' clashes with a node name. Make sure "
                    f"that none of the input names passed to the `run` method are the "
                    f"same as node names in the graph schema."
                )
            results[input_name] = (input_name, input_value)
        try:
            for name, needs in order:
                results[name] = self._instantiated_nodes[name](
                    *(results.get(need, need) for need in needs)
                )
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        return dict(results[target] for target in run_targets)

    DaskGraphRunner.run = run


def patch_domain_is_empty() -> None:
    """``Domain.is_empty`` without building an empty ``Domain`` on every message.

    Rasa 3.6 checks ``domain.is_empty()`` for every parsed message, and the check compares
    with ``Domain.empty().as_dict()``, a new Domain each time (~0.4 ms). The empty domain's
    dict is the same every time, so it is computed once.
    """
    from rasa.shared.core.domain import Domain

    empty = Domain.empty().as_dict()
    Domain.is_empty = lambda self: self.as_dict() == empty


def patch_turn_gate() -> None:
    """Every turn, whatever channel it comes from, passes the process's turn gate.

    ``Agent.handle_message`` is where every input channel (ours, and Rasa's messaging
    channels such as Slack or Telegram) hands a message over; see ``bot/server/gate.py``.
    """
    from rasa.core.agent import Agent

    from bot.server.gate import turn_gate

    original = Agent.handle_message
    if getattr(original, "__icp_gated__", False):
        return

    async def handle_message(self, message):
        async with turn_gate().turn():
            return await original(self, message)

    handle_message.__icp_gated__ = True
    handle_message.__doc__ = original.__doc__
    Agent.handle_message = handle_message


def patch_rasa(action_validation: bool = True) -> None:
    """Applies every per-turn fix above (not the TensorFlow guard, see ``install``).

    Args:
        action_validation: Also validate action server replies with the validator built once.
    """
    if action_validation:
        patch_action_validation()
    patch_event_type_lookup()
    patch_graph_runner()
    patch_domain_is_empty()
    patch_turn_gate()


def _model_argument(argv: Iterable[str]) -> Optional[str]:
    args = list(argv)
    for i, arg in enumerate(args):
        if arg in ("--model", "-m") and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--model="):
            return arg.split("=", 1)[1]
    return None


def main(argv: Optional[List[str]] = None) -> None:
    """``rasa`` with the guard installed when the model allows it."""
    argv = list(sys.argv[1:] if argv is None else argv)
    model = _model_argument(argv)
    if (
        argv[:1] == ["run"]
        and model
        and os.path.isfile(model)
        and not settings.get_flag("BOT_KEEP_TENSORFLOW")
        and model_is_tf_free(model)
    ):
        install()
    if argv[:1] == ["run"]:
        patch_rasa(action_validation=not settings.get_flag("BOT_STOCK_ACTION_VALIDATION"))
    sys.argv = ["rasa", *argv]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
