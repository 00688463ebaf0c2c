"""The plugin registry: what plugins (the built-ins among them) add to Netloom.

A plugin adds layer types, dataset sources, exporters, example projects and
blocks by calling the ``add_*`` methods of the ``PluginRegistry`` handed to
its ``register(registry)`` function.

Each plugin's additions are staged while its ``register`` runs and land in
the registry only when it returns normally, so a plugin that fails half way
adds nothing and leaves a ``PluginRecord`` with its error instead. A name
that is already taken (a layer type, a source, an exporter, an example or a
block) is refused with a ``DuplicateName`` error: whatever registered first
keeps it, and the built-ins always register first.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.catalog import CATEGORIES, Catalog, LayerSpec
from app.core.examples import ExampleInfo, read_example_info
from app.core.graph import Graph

BUILTIN = "builtin"
ENTRY_POINT = "entry point"
OK = "ok"
FAILED = "failed"
KERAS_PACKAGE = "netloom_plugins"  # registered names of plugin layers: "netloom_plugins>SqueezeExcite"

# The kinds of things a plugin registers, in the order they are listed.
LAYERS, DATA_SOURCES, EXPORTERS = "layers", "data sources", "exporters"
EXAMPLES, BLOCKS = "examples", "blocks"
KINDS = (LAYERS, DATA_SOURCES, EXPORTERS, EXAMPLES, BLOCKS)

ERROR_LENGTH = 300  # a PluginRecord's one-line error is cut here; the traceback has it all


class DuplicateName(ValueError):
    """A plugin tried to register a name that something registered before it holds."""


@dataclass(frozen=True)
class DataSource:
    """A dataset source: ``loader(**options)`` returns arrays such as ``x_train``, ``y_train``, ..."""

    name: str
    loader: Callable[..., Mapping[str, Any]]
    description: str = ""
    plugin: str = ""


@dataclass(frozen=True)
class Exporter:
    """A way to write a graph to disk: ``export(graph, path, **options)`` returns what it wrote.

    ``suffix`` is the suffix of the file it writes (``".py"``), or ``""``
    when it writes a folder.
    """

    name: str
    suffix: str
    export: Callable[..., Path]
    description: str = ""
    plugin: str = ""


@dataclass(frozen=True)
class Example:
    """An example project a plugin ships (a ``.netloom`` file)."""

    info: ExampleInfo
    plugin: str = ""

    @property
    def name(self) -> str:
        """The example's name: its file name without ``.netloom``."""
        return self.info.name


@dataclass(frozen=True)
class Block:
    """A reusable piece of graph, such as a residual block.

    ``graph`` is a graph as ``Graph.to_dict`` writes it. Its ``Input`` nodes
    stand for the tensors the block is attached to: inserting the block
    wires the chosen layer's output in place of each of them.
    """

    name: str
    graph: dict[str, Any]
    description: str = ""
    plugin: str = ""

    def to_graph(self) -> Graph:
        """The block as a fresh ``Graph``."""
        return Graph.from_dict(self.graph)


@dataclass
class PluginRecord:
    """What became of one plugin: where it came from, whether it loaded, and what it added.

    ``origin`` is ``"builtin"``, ``"entry point"`` or the folder the plugin
    was found in; ``source`` says more (the entry point's value and
    distribution, or the plugin's file). ``error`` is one line, ``details``
    the full traceback; both are empty when ``status`` is ``"ok"``.
    ``registered`` maps each kind (``"layers"``, ``"data sources"``, ...) to
    the names the plugin added.
    """

    name: str
    origin: str
    source: str = ""
    status: str = OK
    error: str = ""
    details: str = ""
    registered: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the plugin loaded and registered without error."""
        return self.status == OK

    def describe_registered(self, limit: int = 8) -> str:
        """What the plugin added, on one line: ``layers: SqueezeExcite; exporters: csv-weights``."""
        parts = []
        for kind in KINDS:
            names = self.registered.get(kind, [])
            if not names:
                continue
            shown = ", ".join(names[:limit])
            more = f" and {len(names) - limit} more" if len(names) > limit else ""
            parts.append(f"{len(names)} {kind}: {shown}{more}" if len(names) > limit else f"{kind}: {shown}")
        return "; ".join(parts) or "nothing"


class PluginRegistry:
    """Everything registered by the built-ins and the plugins, and a record of each plugin.

    ``catalog`` is the layer catalog: every built-in layer type plus those
    of the plugins. A plugin's ``register(registry)`` calls the ``add_*``
    methods; outside a plugin (``run_plugin``) additions land at once.
    """

    def __init__(self) -> None:
        self.catalog = Catalog()
        self._items: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
        self._records: list[PluginRecord] = []
        self._staged: dict[str, dict[str, Any]] | None = None
        self._current: str = ""

    # ------------------------------------------------------------- plugin API
    def add_layer(self, spec: LayerSpec, keras_class: type | None = None) -> None:
        """Add the layer type ``spec``; with ``keras_class``, register that class with Keras too.

        The class is made serializable (``keras.saving.register_keras_serializable``
        under the package ``"netloom_plugins"``) unless it is registered already,
        so models that use it save to ``.keras`` and load back. ``spec.class_path``
        must name the class (``"se_block.SqueezeExcite"``); it is checked here.
        """
        self._check_free(LAYERS, spec.type, "Layer type")
        if spec.category not in CATEGORIES:
            raise ValueError(
                f"Layer type {spec.type!r} has unknown category {spec.category!r}; "
                f"expected one of {', '.join(CATEGORIES)}."
            )
        target = _resolve(spec.class_path, spec.type)
        if keras_class is not None:
            if target is not keras_class:
                raise ValueError(
                    f"Layer type {spec.type!r}: class_path {spec.class_path!r} names {target!r}, "
                    f"not the class given, {keras_class!r}; make them agree."
                )
            register_keras_class(keras_class)
        self._add(LAYERS, spec.type, spec)

    def add_data_source(
        self, name: str, loader: Callable[..., Mapping[str, Any]], description: str = ""
    ) -> None:
        """Add a dataset source; ``loader(**options)`` returns a dict of arrays (``x_train``, ...)."""
        _check_name(name, "Data source")
        _check_callable(loader, f"Data source {name!r}: the loader")
        self._check_free(DATA_SOURCES, name, "Data source")
        self._add(DATA_SOURCES, name, DataSource(name, loader, description, self._current))

    def add_exporter(
        self, name: str, suffix: str, export: Callable[..., Path], description: str = ""
    ) -> None:
        """Add an exporter; ``export(graph, path, **options)`` writes ``path`` and returns it.

        ``suffix`` is the suffix of the file written (``".py"``), or ``""``
        for an exporter that writes a folder.
        """
        _check_name(name, "Exporter")
        _check_callable(export, f"Exporter {name!r}: export")
        if suffix and (not suffix.startswith(".") or len(suffix) < 2):
            raise ValueError(
                f"Exporter {name!r}: expected a suffix such as '.py' or '' (a folder); received {suffix!r}."
            )
        self._check_free(EXPORTERS, name, "Exporter")
        self._add(EXPORTERS, name, Exporter(name, suffix, export, description, self._current))

    def add_example(self, path: str | Path) -> None:
        """Add the example project at ``path`` (a ``.netloom`` file); its name is the file's stem."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"Example project {str(path)!r} does not exist.")
        info = read_example_info(path)
        self._check_free(EXAMPLES, info.name, "Example")
        self._add(EXAMPLES, info.name, Example(info, self._current))

    def add_block(self, name: str, graph: Mapping[str, Any], description: str = "") -> None:
        """Add a block: a graph (as ``Graph.to_dict`` writes it) of layer types the catalog holds."""
        _check_name(name, "Block")
        self._check_free(BLOCKS, name, "Block")
        data = json.loads(json.dumps(graph))  # a private, JSON-clean copy
        try:
            nodes = Graph.from_dict(data).nodes
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"Block {name!r}: not a readable graph: {error}") from error
        unknown = sorted({node.type for node in nodes if not self._has(LAYERS, node.type)})
        if unknown:
            raise ValueError(
                f"Block {name!r} uses layer types that are not registered: {', '.join(unknown)}."
            )
        self._add(BLOCKS, name, Block(name, data, description, self._current))

    # ---------------------------------------------------------------- queries
    def records(self) -> list[PluginRecord]:
        """A record of every plugin tried, in load order (built-ins first)."""
        return list(self._records)

    def record(self, name: str) -> PluginRecord:
        """The record of plugin ``name``; ``KeyError`` when no plugin of that name was tried."""
        for record in self._records:
            if record.name == name:
                return record
        raise KeyError(f"No plugin called {name!r} was loaded.")

    def failed(self) -> list[PluginRecord]:
        """The records of the plugins that failed."""
        return [record for record in self._records if not record.ok]

    def data_sources(self) -> list[DataSource]:
        """Every dataset source, in registration order."""
        return list(self._items[DATA_SOURCES].values())

    def exporters(self) -> list[Exporter]:
        """Every exporter, in registration order."""
        return list(self._items[EXPORTERS].values())

    def examples(self) -> list[Example]:
        """Every example project, in registration order."""
        return list(self._items[EXAMPLES].values())

    def blocks(self) -> list[Block]:
        """Every block, in registration order."""
        return list(self._items[BLOCKS].values())

    def data_source(self, name: str) -> DataSource:
        """The data source called ``name`` (``KeyError`` naming those there are)."""
        return self._get(DATA_SOURCES, name)

    def exporter(self, name: str) -> Exporter:
        """The exporter called ``name`` (``KeyError`` naming those there are)."""
        return self._get(EXPORTERS, name)

    def example(self, name: str) -> Example:
        """The example called ``name`` (``KeyError`` naming those there are)."""
        return self._get(EXAMPLES, name)

    def block(self, name: str) -> Block:
        """The block called ``name`` (``KeyError`` naming those there are)."""
        return self._get(BLOCKS, name)

    # ------------------------------------------------------- running plugins
    def run_plugin(
        self, name: str, origin: str, register: Callable[[PluginRegistry], Any], source: str = ""
    ) -> PluginRecord:
        """Call one plugin's ``register(self)``; keep what it adds only if it succeeds.

        Never raises for the plugin's errors: they go into the returned
        ``PluginRecord`` (also listed by ``records()``).
        """
        record = self._new_record(name, origin, source)
        if not record.ok:
            return record
        self._staged, self._current = {kind: {} for kind in KINDS}, name
        try:
            register(self)
        except (Exception, SystemExit) as error:  # a plugin may raise anything; it must not stop the app
            record_failure(record, "register() failed", error)
        else:
            self._commit(record)
        finally:
            self._staged, self._current = None, ""
        return record

    def add_failure(
        self, name: str, origin: str, stage: str, error: BaseException, source: str = ""
    ) -> PluginRecord:
        """Record a plugin that failed before it could register (``stage``: "import failed", ...)."""
        record = self._new_record(name, origin, source)
        if record.ok:
            record_failure(record, stage, error)
        return record

    def _new_record(self, name: str, origin: str, source: str) -> PluginRecord:
        record = PluginRecord(name, origin, source)
        previous = next((r for r in self._records if r.name == name), None)
        self._records.append(record)
        if previous is not None:
            where = previous.source or previous.origin
            message = f"a plugin called {name!r} is already loaded (from {where}); this one is skipped"
            record.status, record.error = FAILED, message
        return record

    # --------------------------------------------------------------- storage
    def _has(self, kind: str, name: str) -> bool:
        if self._staged is not None and name in self._staged[kind]:
            return True
        return name in self.catalog if kind == LAYERS else name in self._items[kind]

    def _check_free(self, kind: str, name: str, what: str) -> None:
        if not self._has(kind, name):
            return
        owner = self._owner(kind, name)
        raise DuplicateName(
            f"{what} {name!r} is already registered{f' by {owner}' if owner else ''}; "
            "choose another name for this plugin's one."
        )

    def _owner(self, kind: str, name: str) -> str:
        if self._staged is not None and name in self._staged[kind]:
            return f"this plugin ({self._current})"
        for record in self._records:
            if name in record.registered.get(kind, []):
                return f"{record.name!r}" + (" (built-in)" if record.origin == BUILTIN else " (a plugin)")
        return ""

    def _add(self, kind: str, name: str, item: Any) -> None:
        if self._staged is not None:
            self._staged[kind][name] = item
        elif kind == LAYERS:
            self.catalog.register(item)
        else:
            self._items[kind][name] = item

    def _commit(self, record: PluginRecord) -> None:
        assert self._staged is not None
        for kind, items in self._staged.items():
            for name, item in items.items():
                if kind == LAYERS:
                    self.catalog.register(item)
                else:
                    self._items[kind][name] = item
            if items:
                record.registered[kind] = list(items)

    def _get(self, kind: str, name: str) -> Any:
        try:
            return self._items[kind][name]
        except KeyError:
            there = ", ".join(self._items[kind]) or "none"
            raise KeyError(f"No {kind[:-1]} called {name!r}; the {kind} are: {there}.") from None


# ------------------------------------------------------------------ helpers
def register_keras_class(cls: type) -> str:
    """Make ``cls`` serializable by Keras (unless it already is) and return its registered name."""
    import keras

    if keras.saving.get_registered_name(cls) == cls.__name__:
        keras.saving.register_keras_serializable(package=KERAS_PACKAGE)(cls)
    return keras.saving.get_registered_name(cls)


def record_failure(record: PluginRecord, stage: str, error: BaseException) -> None:
    """Mark ``record`` failed with a one-line message and the traceback of ``error``."""
    text = " ".join(str(error).split()) or type(error).__name__
    line = f"{stage}: {type(error).__name__}: {text}"
    record.status = FAILED
    record.error = line if len(line) <= ERROR_LENGTH else line[: ERROR_LENGTH - 1] + "…"
    record.details = "".join(traceback.format_exception(error))


def _resolve(class_path: str, layer_type: str) -> Any:
    from app.core.layer_factory import resolve

    try:
        return resolve(class_path)
    except (ImportError, AttributeError, ValueError) as error:
        raise ValueError(
            f"Layer type {layer_type!r}: class_path {class_path!r} cannot be imported ({error}); "
            "name the class as module.Class, the module being importable (a plugin's own module is)."
        ) from error


def _check_name(name: Any, what: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{what}: expected a non-empty name, received {name!r}.")


def _check_callable(value: Any, what: str) -> None:
    if not callable(value):
        raise TypeError(f"{what} must be callable; received {value!r}.")
