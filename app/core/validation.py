"""Validation: every problem of a graph, each tied to a node or an edge.

A ``Problem`` says what was received and what was expected, and may carry
``Fix``es: ready-made edits (``app.core.edits``) that repair it in one
undoable step, such as inserting a Flatten before a Dense that receives
feature maps, or a 1x1 convolution that matches channels before an Add.

``GraphChecker`` follows a graph's events and re-checks only what an edit
can have changed: the edited node, and downstream nodes whose inputs
actually changed shape. Checking a 1,000-node graph after one param edit
costs a topological sort plus one or two symbolic Keras calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.core.catalog import (
    CALL_LIST,
    CALL_NONE,
    CALL_POSITIONAL,
    CALL_TEMPLATE,
    Catalog,
    LayerSpec,
    UnknownLayerType,
    default_catalog,
)
from app.core.edits import AddNode, Compound, Disconnect, Edit, SetParam, insert_on_edge
from app.core.graph import Edge, Graph, Node
from app.core.shapes import NodeShape, Shape, format_shape, infer_layer, input_node_shape

ERROR = "error"
WARNING = "warning"

_ELEMENTWISE_MERGES = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"}


@dataclass(frozen=True)
class Fix:
    """A repair offered for a problem: a title for the button, and the edit to apply."""

    title: str
    edit: Edit = field(compare=False)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the graph."""

    code: str
    message: str
    node_id: str | None = None
    edge: Edge | None = None
    param: str | None = None
    severity: str = ERROR
    fixes: tuple[Fix, ...] = ()

    def describe(self, graph: Graph | None = None) -> str:
        """One line for a terminal: severity, where, message."""
        where = ""
        if self.node_id and graph is not None and self.node_id in graph:
            where = f"{graph.node(self.node_id).name}: "
        return f"{self.severity}: {where}{self.message}"


@dataclass
class CheckResult:
    """The problems of a graph and what shape inference knows of each node."""

    problems: list[Problem]
    shapes: dict[str, NodeShape]

    @property
    def errors(self) -> list[Problem]:
        """The problems that stop the graph from becoming a model."""
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def valid(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return not self.errors

    def for_node(self, node_id: str) -> list[Problem]:
        """The problems that name ``node_id``."""
        return [p for p in self.problems if p.node_id == node_id]


def validate(graph: Graph, catalog: Catalog | None = None) -> CheckResult:
    """Check ``graph`` once (use ``GraphChecker`` to re-check after edits)."""
    return GraphChecker(graph, catalog, follow=False).check()


class GraphChecker:
    """Checks a graph, and after each edit re-checks only what the edit affects."""

    def __init__(self, graph: Graph, catalog: Catalog | None = None, follow: bool = True) -> None:
        self.graph = graph
        self.catalog = catalog or default_catalog()
        self._shapes: dict[str, NodeShape] = {}
        self._problems: dict[str, list[Problem]] = {}
        self._dirty: set[str] = {n.id for n in graph}
        if follow:
            graph.node_added.connect(lambda node: self._dirty.add(node.id))
            graph.node_removed.connect(self._forget)
            graph.edge_added.connect(lambda edge: self._dirty.add(edge.target))
            graph.edge_removed.connect(lambda edge: self._dirty.add(edge.target))
            graph.param_changed.connect(lambda node, key: self._dirty.add(node.id))
            graph.node_renamed.connect(self._renamed)

    def mark_all_dirty(self) -> None:
        """Re-check everything next time (after a change the checker did not see)."""
        self._dirty = {n.id for n in self.graph}

    def check(self) -> CheckResult:
        """Bring the results up to date and return them."""
        graph = self.graph
        order = graph.topological_order()
        if order is None:
            return self._cycle_result()
        changed: set[str] = set()
        for node_id in order:
            node = graph.node(node_id)
            inputs_changed = any(e.source in changed for e in graph.incoming(node_id))
            if node_id not in self._dirty and not inputs_changed:
                continue
            shape, problems = self._check_node(node)
            if _seen_downstream(self._shapes.get(node_id)) != _seen_downstream(shape):
                changed.add(node_id)
            self._shapes[node_id] = shape
            self._problems[node_id] = problems
        self._dirty.clear()
        problems = self._graph_problems()
        for node_id in order:
            problems.extend(self._problems.get(node_id, ()))
        return CheckResult(problems, {i: self._shapes[i] for i in order})

    # ------------------------------------------------------------- per node
    def _check_node(self, node: Node) -> tuple[NodeShape, list[Problem]]:
        graph = self.graph
        edges = graph.incoming(node.id)
        if node.type == "Input":
            problems = [
                Problem(
                    "extra-input",
                    f"an Input takes no incoming connection; received one from {graph.node(e.source).name!r}",
                    node.id,
                    e,
                    fixes=(Fix("Remove the connection", Disconnect(e)),),
                )
                for e in edges
            ]
            shape = input_node_shape(node)
            if shape.error:
                problems.append(Problem("bad-param", shape.error, node.id, param="shape"))
            return shape, problems
        try:
            spec = self.catalog.get(node.type)
        except UnknownLayerType:
            return _failed([Problem("unknown-type", f"unknown layer type {node.type!r}", node.id)])
        problems = _param_problems(node, spec) + _port_problems(graph, node, spec, edges)
        if problems:
            return _failed(problems)
        inputs = [self._shapes.get(e.source) for e in edges]
        if any(
            s is None or s.error or e.source_port >= len(s.outputs)
            for s, e in zip(inputs, edges, strict=True)
        ):
            return _failed(_bad_source_ports(graph, node, edges, inputs))
        shapes = [s.outputs[e.source_port] for s, e in zip(inputs, edges, strict=True)]  # type: ignore[union-attr]
        dtypes = [s.dtypes[e.source_port] for s, e in zip(inputs, edges, strict=True)]  # type: ignore[union-attr]
        problems = _merge_problems(graph, node, edges, shapes)
        if problems:
            return _failed(problems)
        result = infer_layer(node, spec, shapes, dtypes)
        if result.error:
            return result, [Problem("shape", result.error, node.id)]
        return result, _rank_warnings(graph, node, edges, shapes)

    # ------------------------------------------------------------ whole graph
    def _graph_problems(self) -> list[Problem]:
        graph = self.graph
        if not len(graph):
            return [
                Problem(
                    "empty",
                    "the graph is empty: add an Input and the layers after it",
                    fixes=(Fix("Add an Input", AddNode("Input", {"shape": [8, 8, 1]})),),
                )
            ]
        problems: list[Problem] = []
        inputs = graph.inputs()
        if not inputs:
            left = min(n.position[0] for n in graph) - 220.0
            top = min(n.position[1] for n in graph)
            problems.append(
                Problem(
                    "no-input",
                    "the graph has no Input node; every model starts with one",
                    fixes=(Fix("Add an Input", AddNode("Input", {"shape": [8, 8, 1]}, (left, top))),),
                )
            )
        elif not graph.outputs():
            problems.append(
                Problem(
                    "no-output",
                    "the graph has no layer after its Input, so the model has no output",
                    inputs[0].id,
                )
            )
        for node in inputs:
            if not graph.outgoing(node.id) and len(graph) > 1:
                problems.append(
                    Problem("unused-input", f"Input {node.name!r} feeds no layer", node.id, severity=WARNING)
                )
        return problems

    def _cycle_result(self) -> CheckResult:
        graph = self.graph
        cycle = graph.find_cycle()
        names = " -> ".join(graph.node(i).name for i in cycle)
        closing = next(e for e in graph.incoming(cycle[-1]) if e.source == cycle[-2])
        problem = Problem(
            "cycle",
            f"the graph has a cycle: {names}; a model's data must flow one way",
            cycle[0],
            closing,
            fixes=(Fix("Remove the connection that closes the cycle", Disconnect(closing)),),
        )
        self.mark_all_dirty()
        return CheckResult([problem], {})

    def _forget(self, node: Node) -> None:
        self._shapes.pop(node.id, None)
        self._problems.pop(node.id, None)
        self._dirty.discard(node.id)

    def _renamed(self, node: Node, old_name: str) -> None:
        # Messages of the node and its neighbours mention its name.
        self._dirty.add(node.id)
        self._dirty.update(self.graph.successors(node.id))


# ----------------------------------------------------------------- the checks
def _seen_downstream(shape: NodeShape | None) -> object:
    """What successors depend on: output shapes and dtypes, or that there are none."""
    return None if shape is None else (shape.outputs, shape.dtypes, shape.error is None)


def _failed(problems: list[Problem]) -> tuple[NodeShape, list[Problem]]:
    """An unknown shape: nodes downstream wait silently, the problem is reported here."""
    reason = problems[0].message if problems else "an input above has a problem"
    return NodeShape(error=reason), problems


def _param_problems(node: Node, spec: LayerSpec) -> list[Problem]:
    problems = []
    for param in spec.params:
        if param.required and param.name not in node.params:
            problems.append(
                Problem(
                    "missing-param",
                    f"{param.name!r} is required",
                    node.id,
                    param=param.name,
                    fixes=(
                        Fix(
                            f"Set {param.name} = {param.default!r}",
                            SetParam(node.id, param.name, param.default),
                        ),
                    ),
                )
            )
        elif param.name in node.params:
            reason = param.check(node.params[param.name])
            if reason:
                fixes = ()
                if not param.required:
                    fixes = (
                        Fix(f"Reset {param.name} to its default", SetParam(node.id, param.name, reset=True)),
                    )
                problems.append(
                    Problem("bad-param", f"{param.name}: {reason}", node.id, param=param.name, fixes=fixes)
                )
    return problems


def _port_problems(graph: Graph, node: Node, spec: LayerSpec, edges: list[Edge]) -> list[Problem]:
    if spec.call == CALL_NONE:
        return []
    if spec.call in (CALL_LIST, CALL_TEMPLATE):
        if len(edges) < spec.min_inputs:
            return [
                Problem(
                    "missing-input",
                    f"{node.type} needs at least {spec.min_inputs} inputs; it has {len(edges)}",
                    node.id,
                )
            ]
        return []
    allowed = 1 if spec.call != CALL_POSITIONAL else len(spec.inputs)
    problems = [
        Problem(
            "extra-input",
            f"{node.type} takes {allowed} input{'s' if allowed > 1 else ''}; port {e.target_port} "
            f"from {graph.node(e.source).name!r} is one too many",
            node.id,
            e,
            fixes=(Fix("Remove the connection", Disconnect(e)),),
        )
        for e in edges
        if e.target_port >= allowed
    ]
    ports = {e.target_port for e in edges}
    ports_needed = (
        [i for i, p in enumerate(spec.inputs) if not p.optional] if spec.call == CALL_POSITIONAL else [0]
    )
    for index in ports_needed:
        if index not in ports:
            port = spec.inputs[index].name if index < len(spec.inputs) else "input"
            problems.append(
                Problem(
                    "missing-input",
                    f"its {port!r} input is not connected; drag a wire from a layer's output to it",
                    node.id,
                )
            )
    if spec.call == CALL_POSITIONAL and ports and sorted(ports) != list(range(len(ports))):
        problems.append(
            Problem("missing-input", "attention inputs must fill ports in order (query, value, key)", node.id)
        )
    return problems


def _bad_source_ports(
    graph: Graph, node: Node, edges: list[Edge], inputs: list[NodeShape | None]
) -> list[Problem]:
    problems = []
    for shape, edge in zip(inputs, edges, strict=True):
        if shape is not None and not shape.error and edge.source_port >= len(shape.outputs):
            problems.append(
                Problem(
                    "bad-port",
                    f"{graph.node(edge.source).name!r} has {len(shape.outputs)} "
                    f"output(s); port {edge.source_port} does not exist",
                    node.id,
                    edge,
                    fixes=(Fix("Remove the connection", Disconnect(edge)),),
                )
            )
    return problems  # otherwise an upstream node has the problem, and says so


def _merge_problems(graph: Graph, node: Node, edges: list[Edge], shapes: list[Shape]) -> list[Problem]:
    if node.type in _ELEMENTWISE_MERGES:
        return _elementwise_merge_problems(graph, node, edges, shapes)
    if node.type == "Concatenate":
        return _concatenate_problems(graph, node, edges, shapes)
    return []


def _elementwise_merge_problems(
    graph: Graph, node: Node, edges: list[Edge], shapes: list[Shape]
) -> list[Problem]:
    first = shapes[0]
    problems = []
    for edge, shape in zip(edges[1:], shapes[1:], strict=True):
        if shape == first:
            continue
        text = (
            f"{node.type} needs inputs of one shape; received {format_shape(first)} from "
            f"{graph.node(edges[0].source).name!r} and {format_shape(shape)} "
            f"from {graph.node(edge.source).name!r}"
        )
        fixes: tuple[Fix, ...] = ()
        if len(shape) == len(first) and 3 <= len(shape) <= 5 and shape[:-1] == first[:-1]:
            channels = max(shape[-1] or 0, first[-1] or 0)
            narrow = edge if (shape[-1] or 0) < channels else edges[0]
            conv = f"Conv{len(shape) - 2}D"
            kernel = [1] * (len(shape) - 2)
            fixes = (
                Fix(
                    f"Insert a 1x1 {conv} with {channels} filters after {graph.node(narrow.source).name!r}",
                    insert_on_edge(graph, narrow, conv, {"filters": channels, "kernel_size": kernel}),
                ),
            )
        elif len(shape) == len(first):
            fixes = _same_padding_fixes(graph, [edges[0].source, edge.source])
        problems.append(Problem("merge-shape", text, node.id, edge, fixes=fixes))
    return problems


def _concatenate_problems(graph: Graph, node: Node, edges: list[Edge], shapes: list[Shape]) -> list[Problem]:
    axis = node.params.get("axis", -1)
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes) or not isinstance(axis, int) or not -rank <= axis < rank:
        return []  # Keras's own message is clear for these
    axis %= rank

    def others(shape: Shape) -> Shape:
        return tuple(d for i, d in enumerate(shape) if i != axis)

    mismatched = [
        (e, s) for e, s in zip(edges[1:], shapes[1:], strict=True) if others(s) != others(shapes[0])
    ]
    if not mismatched:
        return []
    edge, shape = mismatched[0]
    text = (
        f"Concatenate joins along axis {axis} and needs every other axis equal; received "
        f"{format_shape(shapes[0])} from {graph.node(edges[0].source).name!r} and {format_shape(shape)} "
        f"from {graph.node(edge.source).name!r}"
    )
    if rank >= 3:
        text += "; padding 'same' on the branches keeps spatial sizes equal"
    fixes = _same_padding_fixes(graph, [e.source for e in edges]) if rank >= 3 else ()
    return [Problem("merge-shape", text, node.id, edge, fixes=fixes)]


def _same_padding_fixes(graph: Graph, sources: Sequence[str]) -> tuple[Fix, ...]:
    """Set padding='same' on the nearest upstream layers that shrink with padding 'valid'."""
    edits: list[Edit] = []
    seen: set[str] = set()
    todo = list(sources)
    while todo:
        node_id = todo.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        node = graph.node(node_id)
        if _shrinks_with_valid_padding(node):
            edits.append(SetParam(node_id, "padding", "same"))
        elif node.type != "Input":
            todo.extend(graph.predecessors(node_id))
    if not edits:
        return ()
    return (Fix("Use padding 'same' on the branches", Compound(edits, "Use padding 'same'")),)


def _shrinks_with_valid_padding(node: Node) -> bool:
    if node.params.get("padding", "valid") != "valid":
        return False
    conv_like = "Conv" in node.type and "Transpose" not in node.type
    return conv_like or ("Pooling" in node.type and "Global" not in node.type)


def _rank_warnings(graph: Graph, node: Node, edges: list[Edge], shapes: list[Shape]) -> list[Problem]:
    if node.type != "Dense" or len(shapes[0]) < 4:
        return []
    edge = edges[0]
    rank = len(shapes[0])
    fixes = [Fix("Insert Flatten", insert_on_edge(graph, edge, "Flatten"))]
    pooling = {4: "GlobalAveragePooling2D", 5: "GlobalAveragePooling3D"}.get(rank)
    if pooling:
        fixes.append(Fix(f"Insert {pooling}", insert_on_edge(graph, edge, pooling)))
    message = (
        f"Dense received a {rank}-D tensor {format_shape(shapes[0])} from "
        f"{graph.node(edge.source).name!r}; it would act on the last axis only and keep the "
        f"{rank - 2} spatial axes. Expected a 2-D (batch, features) tensor: flatten or pool first"
    )
    return [Problem("rank", message, node.id, edge, severity=WARNING, fixes=tuple(fixes))]
