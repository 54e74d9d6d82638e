"""Builds the custom NLU components outside a Rasa graph, the way the graph does."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Type

from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

REPO = Path(__file__).resolve().parents[3]
PROVINCES_PATH = REPO / "data" / "provinces.yml"
LEXICON_PATH = REPO / "data" / "lexicon.yml"
USERDICT_PATH = REPO / "data" / "jieba_userdict.txt"


class Built:
    """A component together with the storage and resource it persists to."""

    def __init__(
        self,
        component: Any,
        config: Dict[str, Any],
        storage: LocalModelStorage,
        resource: Resource,
    ) -> None:
        self.component = component
        self.config = config
        self.storage = storage
        self.resource = resource

    def load(self, **config: Any) -> Any:
        """Loads a fresh instance from what `train` persisted, as at inference time."""
        return type(self.component).load(
            {**self.config, **config}, self.storage, self.resource, _context()
        )


def _context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test-model")


def build(
    component_class: Type[GraphComponent],
    storage_dir: Path,
    train: bool = True,
    **config: Any,
) -> Built:
    """Creates a component with its default config merged with `config`, like the graph.

    Args:
        component_class: The component to build.
        storage_dir: Directory of the model storage.
        train: Whether to call `train` (trainable components only).
        **config: Config overrides.

    Returns:
        The component and where it persisted itself.
    """
    full_config = {**component_class.get_default_config(), **config}
    storage_dir.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(storage_dir)
    resource = Resource(f"train_{component_class.__name__}0")
    component = component_class.create(full_config, storage, resource, _context())
    if train:
        component.train(TrainingData())
    return Built(component, full_config, storage, resource)


def messages(*texts: str) -> List[Message]:
    """Rasa messages for the given texts."""
    return [Message(data={TEXT: text}) for text in texts]
