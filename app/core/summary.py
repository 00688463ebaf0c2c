"""The model summary: one row per layer and the totals, as ``model.summary()`` gives.

While the graph has an error the totals are None, and the text says so
instead of printing a number that the real model would not have.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.core.graph import Graph
from app.core.shapes import format_shape
from app.core.validation import CheckResult


@dataclass(frozen=True)
class SummaryRow:
    """One layer of the summary."""

    node_id: str
    name: str
    type: str
    output_shape: str
    params: int
    trainable_params: int
    non_trainable_params: int
    macs: int
    trainable: bool


@dataclass(frozen=True)
class Summary:
    """Rows in model order, the totals (None while the graph has errors), and the error count."""

    rows: tuple[SummaryRow, ...]
    total_params: int | None
    trainable_params: int | None
    non_trainable_params: int | None
    macs: int | None
    errors: int

    def to_json(self) -> dict[str, Any]:
        """The summary as plain data for ``netloom summary --json``."""
        return {
            "valid": self.errors == 0,
            "errors": self.errors,
            "total_params": self.total_params,
            "trainable_params": self.trainable_params,
            "non_trainable_params": self.non_trainable_params,
            "macs": self.macs,
            "layers": [
                {
                    "name": r.name,
                    "type": r.type,
                    "output_shape": r.output_shape,
                    "params": r.params,
                    "trainable_params": r.trainable_params,
                    "non_trainable_params": r.non_trainable_params,
                    "macs": r.macs,
                    "trainable": r.trainable,
                }
                for r in self.rows
            ],
        }


def summarize(graph: Graph, result: CheckResult) -> Summary:
    """The summary of ``graph`` from a check result of the same graph."""
    rows = []
    order = list(result.shapes) or [n.id for n in graph]
    for node_id in order:
        node = graph.node(node_id)
        shape = result.shapes.get(node_id)
        outputs = shape.outputs if shape else ()
        text = ", ".join(format_shape(s) for s in outputs) if outputs else "?"
        rows.append(
            SummaryRow(
                node_id,
                node.name,
                node.type,
                text,
                shape.params if shape else 0,
                shape.trainable_params if shape else 0,
                shape.non_trainable_params if shape else 0,
                shape.macs if shape else 0,
                bool(node.params.get("trainable", True)),
            )
        )
    errors = len(result.errors)
    if errors:
        return Summary(tuple(rows), None, None, None, None, errors)
    return Summary(
        tuple(rows),
        sum(r.params for r in rows),
        sum(r.trainable_params for r in rows),
        sum(r.non_trainable_params for r in rows),
        sum(r.macs for r in rows),
        0,
    )


def format_summary(summary: Summary) -> str:
    """A text table like Keras's ``model.summary()``, plus multiply-adds."""
    header = ("Layer (type)", "Output Shape", "Param #", "Mult-adds")
    body = [(f"{r.name} ({r.type})", r.output_shape, f"{r.params:,}", f"{r.macs:,}") for r in summary.rows]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(4)]
    rule = "-" * (sum(widths) + 6)

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    lines = [line(header), rule, *(line(row) for row in body), rule]
    if summary.total_params is None:
        lines.append(
            f"Totals unavailable: the graph has {summary.errors} error(s); run `netloom check` to see them."
        )
    else:
        lines += [
            f"Total params: {summary.total_params:,}",
            f"Trainable params: {summary.trainable_params:,}",
            f"Non-trainable params: {summary.non_trainable_params:,}",
            f"Multiply-adds per sample: {summary.macs:,}",
        ]
    return "\n".join(lines)
