"""The Rasa methods this bot replaces at run time, as one registry.

Each entry of ``REGISTRY`` names the Rasa attribute it replaces, says why, cites the gain
measured in docs/benchmarks.md and lists the Rasa versions it was written and tested for.
``apply_all`` applies them; the launcher (``bot.server.launch``) calls it with
``rasa.__version__``. Every patch gives the same answers as the Rasa code it replaces (the
tests compare both), so the bot is correct without them, only slower:

- on a Rasa version an entry was not written for, the entry is left off (logged) and Rasa's own
  code serves;
- when the attribute an entry replaces no longer exists, or applying it fails, the same;
- under plain ``rasa run`` / ``rasa shell`` nothing here runs at all.

``apply_all`` records what it did in a module-level state that ``summary()`` (the launcher's
startup line) and the health endpoint (``bot/channels/health.py``) read; in a process where it
never ran, the state says that no patch is applied and that the turn gate is off.

The TensorFlow guard is not an entry: it replaces modules rather than an attribute, must be
installed before anything imports Rasa, and only for models without TensorFlow components
(``bot.server.launch.install``). The launcher applies it under the same version check and
records it here with ``record_tensorflow_guard``.
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Tuple

logger = logging.getLogger(__name__)

#: The Rasa versions the patches below were written for and tested with.
RASA_3_6 = ("3.6.21",)

#: Attribute that marks a replacement as ours, so that applying twice is a no-op.
MARKER = "__icp_patch__"


# --- the patches -----------------------------------------------------------------------------


def patch_action_validation() -> None:
    """Validates action server replies with a JSON-schema validator built once.

    Rasa 3.6 calls ``jsonschema.validate`` per reply, which re-validates its large, constant
    events schema against the meta-schema every time (tens of ms per custom action). Same
    schema, same errors, same messages.
    """
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

    from bot.server.gate import pending_cap, turn_gate

    original = Agent.handle_message
    if getattr(original, "__icp_gated__", False):
        return

    async def handle_message(self, message):
        # Per sender: one turn at a time in front of the shared places, so one sender's
        # backlog never holds other senders' turns; the channel's cap (if any) applies.
        sender_id = str(getattr(message, "sender_id", None))
        async with turn_gate().turn(sender_id, cap=pending_cap.get()):
            return await original(self, message)

    handle_message.__icp_gated__ = True
    handle_message.__doc__ = original.__doc__
    Agent.handle_message = handle_message


# --- the registry ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Patch:
    """One replacement of a Rasa attribute.

    Attributes:
        name: Short name, used in logs, the health endpoint and ``off`` arguments.
        replaces: Dotted path of the Rasa attribute replaced (module path, then attributes).
        why: What is slow or missing in Rasa, in one line.
        gain: What it saved, as measured in docs/benchmarks.md.
        rasa_versions: Rasa versions it was written and tested for; on any other version it
            stays off.
        apply: Replaces the attribute (imports Rasa; sets the attribute as its last step, so a
            failure leaves Rasa's own code in place).
    """

    name: str
    replaces: str
    why: str
    gain: str
    rasa_versions: Tuple[str, ...]
    apply: Callable[[], None]


REGISTRY: Tuple[Patch, ...] = (
    Patch(
        name="action_validation",
        replaces="rasa.core.actions.action.RemoteAction._validate_action_result",
        why="Rasa re-checks its constant events schema against the meta-schema on every "
        "action server reply; a validator built once gives the same errors",
        gain="68 ms -> 2 ms per custom action call",
        rasa_versions=RASA_3_6,
        apply=patch_action_validation,
    ),
    Patch(
        name="event_type_lookup",
        replaces="rasa.shared.core.events.Event.resolve_by_type",
        why="walks the whole Event class tree for every deserialised event; a table keeps "
        "the same first-match order",
        gain="4-5% of a turn's CPU -> ~0",
        rasa_versions=RASA_3_6,
        apply=patch_event_type_lookup,
    ),
    Patch(
        name="graph_runner",
        replaces="rasa.engine.runner.dask.DaskGraphRunner.run",
        why="re-plans each graph run with dask.order (3 runs per turn); the order is "
        "planned once per set of targets",
        gain="~2.4 ms of overhead per turn -> ~0",
        rasa_versions=RASA_3_6,
        apply=patch_graph_runner,
    ),
    Patch(
        name="domain_is_empty",
        replaces="rasa.shared.core.domain.Domain.is_empty",
        why="builds a new empty Domain to compare with on every message; its dict is "
        "computed once",
        gain="0.4 ms per message -> 0",
        rasa_versions=RASA_3_6,
        apply=patch_domain_is_empty,
    ),
    Patch(
        name="turn_gate",
        replaces="rasa.core.agent.Agent.handle_message",
        why="turns of every channel pass a first-come, first-served gate "
        "(MAX_CONCURRENT_TURNS per process, one queue per sender in front of it, "
        "bot/server/gate.py)",
        gain="p95/p50 at 16 clients 4-5x -> 1.6-2x, same throughput",
        rasa_versions=RASA_3_6,
        apply=patch_turn_gate,
    ),
)


class PatchResult(NamedTuple):
    """What ``apply_all`` did with one entry."""

    name: str
    applied: bool
    reason: str


@dataclass
class PatchState:
    """What this process runs with: filled by ``apply_all`` and the launcher."""

    rasa_version: Optional[str] = None
    results: List[PatchResult] = field(default_factory=list)
    tensorflow_guard: bool = False

    @property
    def applied(self) -> List[str]:
        """Names of the patches in effect, in registry order."""
        return [r.name for r in self.results if r.applied]

    @property
    def turn_gate(self) -> bool:
        """Whether turns pass the turn gate (only through the ``turn_gate`` patch)."""
        return "turn_gate" in self.applied


#: This process's state (module-level: one per process, inherited by forked Sanic workers).
STATE = PatchState()


def resolve(dotted: str) -> Tuple[Any, str]:
    """The object holding the attribute a dotted path names, and the attribute's name.

    ``rasa.core.agent.Agent.handle_message`` -> (the ``Agent`` class, ``"handle_message"``):
    the longest importable module prefix is imported, the rest are attributes.

    Raises:
        AttributeError: Some part of the path does not exist (any more).
    """
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:split])
        try:
            owner: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        for part in parts[split:-1]:
            owner = getattr(owner, part)
        if not hasattr(owner, parts[-1]):
            raise AttributeError(f"{'.'.join(parts[:-1])} has no attribute {parts[-1]!r}")
        return owner, parts[-1]
    raise AttributeError(f"no module of {dotted} can be imported")


def _current(patch: Patch) -> Any:
    owner, attribute = resolve(patch.replaces)
    return getattr(owner, attribute)


def apply_all(
    rasa_version: str,
    off: Optional[Mapping[str, str]] = None,
    registry: Tuple[Patch, ...] = REGISTRY,
) -> List[PatchResult]:
    """Applies every entry written for ``rasa_version`` whose attribute still exists.

    Entries that stay off are logged with their reason; Rasa's own code then serves (same
    answers, slower). The outcome is recorded in ``STATE``.

    Args:
        rasa_version: ``rasa.__version__`` of the running Rasa.
        off: Entries to leave off on purpose, name -> reason (e.g. a setting).
        registry: The entries (tests pass their own).

    Returns:
        ``(name, applied, reason)`` per entry, in registry order.
    """
    off = dict(off or {})
    results: List[PatchResult] = []
    for patch in registry:
        if patch.name in off:
            results.append(PatchResult(patch.name, False, off[patch.name]))
            continue
        if rasa_version not in patch.rasa_versions:
            results.append(PatchResult(
                patch.name, False,
                f"written for Rasa {', '.join(patch.rasa_versions)}, not {rasa_version}",
            ))
            continue
        try:
            if getattr(_current(patch), MARKER, None) == patch.name:
                results.append(PatchResult(patch.name, True, "already applied"))
                continue
        except (AttributeError, ImportError) as e:
            results.append(PatchResult(patch.name, False, f"{patch.replaces} not found ({e})"))
            continue
        try:
            patch.apply()
            setattr(_current(patch), MARKER, patch.name)
        except Exception as e:  # a Rasa internal it relies on changed: Rasa's code serves
            logger.warning("Rasa patch %s failed to apply", patch.name, exc_info=True)
            results.append(PatchResult(patch.name, False, f"failed: {type(e).__name__}: {e}"))
            continue
        results.append(PatchResult(patch.name, True, "applied"))
    for result in results:
        if not result.applied:
            logger.warning("Rasa patch %s is off (%s): Rasa's own code serves it",
                           result.name, result.reason)
    STATE.rasa_version = rasa_version
    STATE.results = results
    return results


def record_tensorflow_guard(installed: bool) -> None:
    """Records whether the launcher installed the TensorFlow guard (``bot.server.launch``)."""
    STATE.tensorflow_guard = installed


def summary(state: Optional[PatchState] = None) -> str:
    """The startup log line: patches applied and off, turn gate, TensorFlow guard."""
    state = state or STATE
    off = [f"{r.name} ({r.reason})" for r in state.results if not r.applied]
    return (
        f"Rasa {state.rasa_version or '?'} patches applied: {', '.join(state.applied) or 'none'}"
        f"; off: {', '.join(off) or 'none'}"
        f"; turn gate: {'on' if state.turn_gate else 'off'}"
        f"; TensorFlow guard: {'on' if state.tensorflow_guard else 'off'}"
    )


def health_report(state: Optional[PatchState] = None) -> Dict[str, Any]:
    """The health endpoint's part: patches in effect, turn gate and TensorFlow guard."""
    state = state or STATE
    return {
        "patches": state.applied,
        "turn_gate": "on" if state.turn_gate else "off",
        "tensorflow_guard": "on" if state.tensorflow_guard else "off",
    }


def markdown_table(registry: Tuple[Patch, ...] = REGISTRY) -> str:
    """The registry as the Markdown table of docs/benchmarks.md (a test keeps them equal)."""
    rows = ["| patch | replaces | why | gain measured | Rasa |", "|---|---|---|---|---|"]
    for p in registry:
        rows.append(
            f"| `{p.name}` | `{p.replaces}` | {p.why} | {p.gain} | {', '.join(p.rasa_versions)} |"
        )
    return "\n".join(rows)
