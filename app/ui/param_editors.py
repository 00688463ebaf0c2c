"""One small editor widget per param kind, made from the param's ``ParamSpec``.

``editor_for(spec)`` picks the widget: a spin box for integers, a line edit
that reads ``0.001`` or ``1e-4`` for floats, a combo box for choices, and so
on. Every editor has the same face: ``value()``, ``set_value(value)`` and a
``committed(value)`` signal.

An editor commits only a value that parses and passes ``spec.check``; a
value that does not is refused where it was typed, with the reason in red
under the field, and the graph never sees it. It commits once per finished
edit (Enter, leaving the field, picking an entry), never per keystroke, and
only when the field differs from what it last showed, so tabbing through a
form adds no undo steps.

Regularizers and constraints are written the way
``keras.saving.serialize_keras_object`` writes them (module, class name,
config), so ``from_config`` builds them as they are.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.catalog import (
    ACTIVATION,
    ACTIVATIONS,
    ANY,
    BOOL,
    CHOICE,
    CONSTRAINT,
    FLOAT,
    INITIALIZER,
    INITIALIZERS,
    INT,
    LAYER,
    REGULARIZER,
    STRING,
    TUPLE,
    ParamSpec,
)

INT_LIMIT = 2**31 - 1  # QSpinBox holds a C int
NONE_TEXT = "(none)"
MAX_SPIN_ITEMS = 4  # longer tuples are typed as text
FIELD_MIN_WIDTH = 44  # fields shrink to this in a narrow dock (a wide range must not widen the dock)


def error_color(palette: QPalette) -> QColor:
    """A red that reads well on the palette's window color (light or dark theme)."""
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    return QColor("#ff7b72" if dark else "#c62828")


def same_value(a: Any, b: Any) -> bool:
    """True when two param values are the same JSON (so 1 differs from 1.0 and from True)."""
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def format_float(value: Any) -> str:
    """A float as short exact text: ``0.001``, ``1e-05``, ``0.5``."""
    return repr(float(value)) if isinstance(value, float) else str(value)


def parse_float(text: str) -> float:
    """``text`` as a float; ValueError with a readable reason when it is not one."""
    try:
        return float(text.strip().replace(" ", ""))
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number; write it like 0.001 or 1e-4") from None


def parse_int(text: str) -> int:
    """``text`` as an int; ValueError with a readable reason when it is not one."""
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a whole number") from None


def parse_int_tuple(text: str) -> Any:
    """``"3, 3"``, ``"(3, 3)"``, ``"[None, 4]"``, ``"(1, 1), (2, 2)"`` or ``"3"`` as JSON-ready data."""
    source = text.strip()
    normalized = source.replace("(", "[").replace(")", "]").replace("None", "null").replace("none", "null")
    normalized = re.sub(r",\s*]", "]", f"[{normalized}]")  # Python's (3,) has a trailing comma
    try:
        items = json.loads(normalized)
    except json.JSONDecodeError:
        raise ValueError(f"{source!r} is not a list of whole numbers; write it like 3, 3") from None
    if len(items) == 1 and (isinstance(items[0], list) or not source.endswith(",")):
        return items[0]  # one bracketed group, or a bare number
    return items


def format_tuple(value: Any) -> str:
    """The text a tuple param is typed as: ``3, 3`` or ``[1, 1], [2, 2]``."""
    if isinstance(value, (list, tuple)):
        return ", ".join(json.dumps(v).replace("null", "None") for v in value)
    return "" if value is None else str(value)


class ParamEditor(QWidget):
    """The editor of one param: a field, and under it the reason a typed value was refused.

    ``value()`` is the value last set or committed; ``committed(value)`` is
    emitted with a new value that passed ``spec.check``.
    """

    committed = Signal(object)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._value: Any = copy.deepcopy(spec.default)
        self._shown: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.field_row = QHBoxLayout()
        self.field_row.setSpacing(4)
        layout.addLayout(self.field_row)
        self._error = QLabel(wordWrap=True, objectName="paramError")
        self._error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._error.hide()
        layout.addWidget(self._error)

    # ------------------------------------------------------------------ public
    def value(self) -> Any:
        """The value last set or committed (a copy)."""
        return copy.deepcopy(self._value)

    def set_value(self, value: Any) -> None:
        """Show ``value`` without committing it; clears any error."""
        self._value = copy.deepcopy(value)
        self._show(value)
        self._shown = self._raw()
        self.clear_error()

    def error(self) -> str:
        """The reason the typed value was refused, or ""."""
        return self._error.text() if not self._error.isHidden() else ""

    def show_error(self, message: str) -> None:
        """Show ``message`` in red under the field."""
        color = error_color(self.palette()).name()
        self._error.setStyleSheet(f"color: {color};")
        self._error.setText(message)
        self._error.show()

    def clear_error(self) -> None:
        """Hide the error line."""
        self._error.clear()
        self._error.hide()

    def commit(self) -> None:
        """Read the field; commit its value if it is new and allowed, else show why it is refused."""
        raw = self._raw()
        if raw == self._shown:
            self.clear_error()
            return
        try:
            value = self._read()
        except ValueError as error:
            self.show_error(str(error))
            return
        problem = self.spec.check(value)
        if problem:
            self.show_error(problem[0].upper() + problem[1:] + ".")
            return
        self.clear_error()
        self._shown = raw
        if same_value(value, self._value):
            return
        self._value = copy.deepcopy(value)
        self.committed.emit(copy.deepcopy(value))

    # -------------------------------------------------------------- subclasses
    def _show(self, value: Any) -> None:
        """Put ``value`` into the widgets, emitting nothing."""
        raise NotImplementedError

    def _read(self) -> Any:
        """The widgets' value; ValueError when the text cannot be read."""
        raise NotImplementedError

    def _raw(self) -> Any:
        """A comparable snapshot of what the widgets show."""
        raise NotImplementedError

    def _add(self, widget: QWidget, stretch: int = 1) -> None:
        self.field_row.addWidget(widget, stretch)


class ParamSpinBox(QSpinBox):
    """A spin box that accepts any typed integer (the param's check explains a bad one),
    while its arrows stay inside the param's range."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(-INT_LIMIT, INT_LIMIT)
        self.low = int(spec.minimum) if spec.minimum is not None else -INT_LIMIT
        self.high = int(spec.maximum) if spec.maximum is not None else INT_LIMIT
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)
        self.setMinimumWidth(FIELD_MIN_WIDTH)

    def stepBy(self, steps: int) -> None:
        """Step, staying within the param's range."""
        self.setValue(max(self.low, min(self.high, self.value() + steps)))

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        """Grey out the arrow that would leave the param's range."""
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if self.value() < self.high:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if self.value() > self.low:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return flags


class _NoneToggle(QCheckBox):
    """The "None" box of an optional param whose widget cannot show None itself."""

    def __init__(self, editor: ParamEditor, fields: Sequence[QWidget]) -> None:
        super().__init__("None")
        self.setToolTip("Leave this param unset (None): Keras decides.")
        self._fields = fields
        self.toggled.connect(self._enable_fields)
        self.clicked.connect(editor.commit)

    def _enable_fields(self, none: bool) -> None:
        for field in self._fields:
            field.setEnabled(not none)


# -------------------------------------------------------------------- numbers
class IntEditor(ParamEditor):
    """An integer param: a spin box (plus a None box when the param is optional)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.spin = ParamSpinBox(spec)
        self.spin.editingFinished.connect(self.commit)
        self._add(self.spin)
        self.none_box = _NoneToggle(self, [self.spin]) if spec.optional else None
        if self.none_box:
            self._add(self.none_box, 0)
        self.set_value(spec.default)

    def _show(self, value: Any) -> None:
        self.spin.blockSignals(True)
        if isinstance(value, int) and not isinstance(value, bool):
            self.spin.setValue(value)
        elif value is None and self.spec.minimum is not None:
            self.spin.setValue(int(self.spec.minimum))
        self.spin.blockSignals(False)
        if self.none_box:
            self.none_box.setChecked(value is None)

    def _read(self) -> Any:
        if self.none_box and self.none_box.isChecked():
            return None
        return parse_int(self.spin.lineEdit().text())

    def _raw(self) -> Any:
        return (self.spin.lineEdit().text(), bool(self.none_box and self.none_box.isChecked()))


class _TextEditor(ParamEditor):
    """A param typed into one line edit; an optional param left empty is None."""

    placeholder = ""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line = QLineEdit()
        self.line.setMinimumWidth(FIELD_MIN_WIDTH)
        self.line.setPlaceholderText("none" if spec.optional else self.placeholder)
        self.line.editingFinished.connect(self.commit)
        self._add(self.line)
        self.set_value(spec.default)

    def _show(self, value: Any) -> None:
        self.line.setText("" if value is None else self._format(value))
        self.line.setCursorPosition(0)

    def _read(self) -> Any:
        text = self.line.text().strip()
        if not text:
            if self.spec.optional or self.spec.default is None:
                return None
            raise ValueError("A value is required.")
        return self._parse(text)

    def _raw(self) -> Any:
        return self.line.text().strip()

    def _format(self, value: Any) -> str:
        return str(value)

    def _parse(self, text: str) -> Any:
        return text


class FloatEditor(_TextEditor):
    """A float param typed as text, so 1e-5 reads as well as 0.5."""

    placeholder = "a number, like 0.001 or 1e-4"

    def _format(self, value: Any) -> str:
        return format_float(value)

    def _parse(self, text: str) -> Any:
        return parse_float(text)


class StringEditor(_TextEditor):
    """A text param."""

    def _read(self) -> Any:
        text = self.line.text()
        if not text.strip() and (self.spec.optional or self.spec.default is None):
            return None
        return text


class JsonEditor(_TextEditor):
    """A nested layer config or any JSON value, typed as JSON; a bare word is a string."""

    placeholder = "JSON, like [0, 255] or {\"a\": 1}"

    def _format(self, value: Any) -> str:
        return json.dumps(value)

    def _parse(self, text: str) -> Any:
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            if self.spec.kind == ANY and text.replace("_", "").isalnum() and not text[0].isdigit():
                return text
            raise ValueError(f"Not valid JSON: {error.msg} (column {error.colno}).") from None


class TupleEditor(ParamEditor):
    """A tuple of ints: one spin box per item when the length is known, else text like ``3, 3``.

    A value the spin boxes cannot show (nested pairs, None items) switches to text.
    """

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        count = spec.length if spec.length and spec.length <= MAX_SPIN_ITEMS else 0
        self.spins = [ParamSpinBox(spec) for _ in range(count)]
        for spin in self.spins:
            spin.editingFinished.connect(self.commit)
            self._add(spin)
        self.line = QLineEdit(placeholderText="none" if spec.optional else "integers, like 3, 3")
        self.line.editingFinished.connect(self.commit)
        self._add(self.line)
        self.none_box = _NoneToggle(self, [*self.spins, self.line]) if spec.optional and count else None
        if self.none_box:
            self._add(self.none_box, 0)
        self._bare = False
        self.set_value(spec.default)

    @property
    def text_mode(self) -> bool:
        """True when the value is typed as text rather than in spin boxes."""
        return self.line.isVisibleTo(self)

    def _fits_spins(self, value: Any) -> bool:
        if not self.spins or value is None:
            return bool(self.spins)
        items = [value] * len(self.spins) if _is_int(value) else value
        return isinstance(items, (list, tuple)) and len(items) == len(self.spins) and all(map(_is_int, items))

    def _show(self, value: Any) -> None:
        spins = self._fits_spins(value)
        self._bare = _is_int(value)
        for index, spin in enumerate(self.spins):
            spin.setVisible(spins)
            if spins and value is not None:
                spin.blockSignals(True)
                spin.setValue(value if _is_int(value) else value[index])
                spin.blockSignals(False)
        self.line.setVisible(not spins)
        self.line.setText(format_tuple(value))
        if self.none_box:
            self.none_box.setChecked(value is None)

    def _read(self) -> Any:
        if self.none_box and self.none_box.isChecked():
            return None
        if not self.text_mode:
            items = [parse_int(spin.lineEdit().text()) for spin in self.spins]
            return items[0] if self._bare and len(set(items)) == 1 else items
        text = self.line.text().strip()
        if not text:
            if self.spec.optional or self.spec.default is None:
                return None
            raise ValueError("A value is required; write integers like 3, 3.")
        return parse_int_tuple(text)

    def _raw(self) -> Any:
        spins = tuple(spin.lineEdit().text() for spin in self.spins)
        return spins, self.line.text().strip(), bool(self.none_box and self.none_box.isChecked())


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class BoolEditor(ParamEditor):
    """A true/false param: a check box, committed when clicked."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.check_box = QCheckBox()
        self.check_box.clicked.connect(self.commit)
        self._add(self.check_box)
        self.set_value(spec.default)

    def _show(self, value: Any) -> None:
        self.check_box.blockSignals(True)
        self.check_box.setChecked(bool(value))
        self.check_box.blockSignals(False)

    def _read(self) -> Any:
        return self.check_box.isChecked()

    def _raw(self) -> Any:
        return self.check_box.isChecked()


# --------------------------------------------------------------------- combos
class ChoiceEditor(ParamEditor):
    """One of a list of values: a combo box, with a "(none)" entry when the param is optional.

    A value outside the list (from a file) is shown as an extra entry, so it is never lost.
    """

    editable = False

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None,
                 choices: Sequence[Any] | None = None) -> None:
        super().__init__(spec, parent)
        self.choices = list(spec.choices if choices is None else choices)
        self.combo = QComboBox(editable=self.editable)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(6)
        self.combo.setMinimumWidth(FIELD_MIN_WIDTH)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self._fill([])
        self.combo.activated.connect(self._on_activated)
        if self.editable:
            self.combo.lineEdit().editingFinished.connect(self.commit)
        self._add(self.combo)
        self.set_value(spec.default)

    def _entries(self) -> list[tuple[str, Any]]:
        entries = [(NONE_TEXT, None)] if self.spec.optional or self.spec.default is None else []
        return entries + [(self._label(c), c) for c in self.choices]

    def _label(self, value: Any) -> str:
        if isinstance(value, dict):
            return f"{value.get('class_name', 'config')} (config)"
        return str(value)

    def _fill(self, extra: list[Any]) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        for text, data in self._entries() + [(self._label(v), v) for v in extra]:
            self.combo.addItem(text, data)
        self.combo.blockSignals(False)

    def _index_of(self, value: Any) -> int:
        for index in range(self.combo.count()):
            if same_value(self.combo.itemData(index), value):
                return index
        return -1

    def _show(self, value: Any) -> None:
        if self._index_of(value) < 0:
            self._fill([value])
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(self._index_of(value))
        self.combo.blockSignals(False)

    def _on_activated(self, _index: int) -> None:
        self.commit()

    def _read(self) -> Any:
        if self.editable:
            text = self.combo.currentText().strip()
            index = self.combo.findText(text)
            if index >= 0:
                return self.combo.itemData(index)
            if not text:
                return self._read_empty()
            return text
        return self.combo.currentData()

    def _read_empty(self) -> Any:
        if self.spec.optional or self.spec.default is None:
            return None
        raise ValueError("A value is required.")

    def _raw(self) -> Any:
        return self.combo.currentText().strip() if self.editable else self.combo.currentIndex()


class ActivationEditor(ChoiceEditor):
    """An activation: the usual names in an editable combo; any name Keras knows may be typed."""

    editable = True

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent, ACTIVATIONS)


class InitializerEditor(ChoiceEditor):
    """A weight initializer: one of the usual names (a config from a file is kept as it is)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent, INITIALIZERS)


# ------------------------------------------------------ regularizers, constraints
@dataclass(frozen=True)
class ConfigField:
    """One argument of a regularizer or constraint class, edited as text."""

    name: str
    default: Any
    parse: Callable[[str], Any]
    check: Callable[[Any], str | None] = lambda value: None
    format: Callable[[Any], str] = format_float


def _non_negative(value: float) -> str | None:
    return "must be 0 or more" if value < 0 else None


def _positive(value: float) -> str | None:
    return "must be more than 0" if value <= 0 else None


def _fraction(value: float) -> str | None:
    return "must be between 0 and 1" if not 0 <= value <= 1 else None


def _parse_axis(text: str) -> Any:
    value = parse_int_tuple(text)
    if not (_is_int(value) or (isinstance(value, list) and value and all(map(_is_int, value)))):
        raise ValueError(f"{text.strip()!r} is not an axis; write it like 0 or 0, 1, 2")
    return value


def _factor(name: str, default: float = 0.01) -> ConfigField:
    return ConfigField(name, default, parse_float, _non_negative)


_AXIS = ConfigField("axis", 0, _parse_axis, format=format_tuple)

REGULARIZER_FIELDS: dict[str, tuple[ConfigField, ...]] = {
    "L1": (_factor("l1"),),
    "L2": (_factor("l2"),),
    "L1L2": (_factor("l1"), _factor("l2")),
}
CONSTRAINT_FIELDS: dict[str, tuple[ConfigField, ...]] = {
    "MaxNorm": (ConfigField("max_value", 2.0, parse_float, _positive), _AXIS),
    "MinMaxNorm": (ConfigField("min_value", 0.0, parse_float, _non_negative),
                   ConfigField("max_value", 1.0, parse_float, _positive),
                   ConfigField("rate", 1.0, parse_float, _fraction), _AXIS),
    "NonNeg": (),
    "UnitNorm": (_AXIS,),
}
# Keras's snake_case names of the classes above.
_SNAKE_NAMES = {"l1": "L1", "l2": "L2", "l1l2": "L1L2", "max_norm": "MaxNorm",
                "min_max_norm": "MinMaxNorm", "non_neg": "NonNeg", "unit_norm": "UnitNorm"}


def keras_config(module: str, class_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """A config as ``keras.saving.serialize_keras_object`` writes it."""
    return {"module": module, "class_name": class_name, "config": config, "registered_name": None}


class ConfigEditor(ParamEditor):
    """A regularizer or constraint: a class from a short list, and a field per argument.

    The value is None, or the Keras config of the object. A name or config
    of another class (from a file) is shown as an extra entry and kept as it is.
    """

    module = ""
    classes: dict[str, tuple[ConfigField, ...]] = {}

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QComboBox()
        self.combo.activated.connect(self._on_class_picked)
        self.field_row.addWidget(self.combo, 1)
        self._fields_box = QWidget()
        self._fields_layout = QFormLayout(self._fields_box)
        self._fields_layout.setContentsMargins(12, 0, 0, 0)
        self._fields_layout.setVerticalSpacing(2)
        self._fields_layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.layout().insertWidget(1, self._fields_box)
        self.fields: dict[str, QLineEdit] = {}
        self._kept: Any = None  # a value of a class this editor does not offer
        self.set_value(spec.default)

    @property
    def class_name(self) -> str | None:
        """The class picked in the combo, or None."""
        data = self.combo.currentData()
        return data if isinstance(data, str) else None

    def _fill_combo(self) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(NONE_TEXT, None)
        for name in self.classes:
            self.combo.addItem(name, name)
        if self._kept is not None:
            self.combo.addItem(f"{_class_of(self._kept)} (kept as loaded)", {"kept": True})
        self.combo.blockSignals(False)

    def _build_fields(self, class_name: str | None, config: dict[str, Any]) -> None:
        while self._fields_layout.rowCount():
            self._fields_layout.removeRow(0)
        self.fields = {}
        for spec in self.classes.get(class_name or "", ()):
            line = QLineEdit(spec.format(config.get(spec.name, spec.default)))
            line.setCursorPosition(0)
            line.editingFinished.connect(self.commit)
            self._fields_layout.addRow(spec.name, line)
            self.fields[spec.name] = line
        self._fields_box.setVisible(bool(self.fields))

    def _show(self, value: Any) -> None:
        name, config = self._split(value)
        self._kept = value if name is None and value is not None else None
        self._fill_combo()
        self.combo.setCurrentIndex(self.combo.count() - 1 if self._kept is not None
                                   else max(0, self.combo.findData(name)))
        self._build_fields(name, config)

    def _split(self, value: Any) -> tuple[str | None, dict[str, Any]]:
        """The offered class and config ``value`` stands for; (None, {}) for None or another class."""
        name = _class_of(value)
        name = _SNAKE_NAMES.get(name, name) if name else None
        if name not in self.classes:
            return None, {}
        config = value.get("config", {}) if isinstance(value, dict) else {}
        return name, config if isinstance(config, dict) else {}

    def _on_class_picked(self, _index: int) -> None:
        self._build_fields(self.class_name, {})
        self.commit()

    def _read(self) -> Any:
        data = self.combo.currentData()
        if isinstance(data, dict):
            return copy.deepcopy(self._kept)
        if data is None:
            return None
        config = {}
        for spec in self.classes[data]:
            value = spec.parse(self.fields[spec.name].text())
            problem = spec.check(value)
            if problem:
                raise ValueError(f"{spec.name} {problem}.")
            config[spec.name] = value
        return keras_config(self.module, data, config)

    def _raw(self) -> Any:
        return self.combo.currentIndex(), tuple(line.text().strip() for line in self.fields.values())


def _class_of(value: Any) -> str | None:
    if isinstance(value, dict):
        name = value.get("class_name")
        return name if isinstance(name, str) else None
    return value if isinstance(value, str) else None


class RegularizerEditor(ConfigEditor):
    """A weight penalty: none, L1, L2 or L1L2 with its factors."""

    module = "keras.regularizers"
    classes = REGULARIZER_FIELDS


class ConstraintEditor(ConfigEditor):
    """A weight constraint: none, MaxNorm, MinMaxNorm, NonNeg or UnitNorm with its arguments."""

    module = "keras.constraints"
    classes = CONSTRAINT_FIELDS


EDITORS: dict[str, type[ParamEditor]] = {
    INT: IntEditor,
    FLOAT: FloatEditor,
    BOOL: BoolEditor,
    CHOICE: ChoiceEditor,
    STRING: StringEditor,
    TUPLE: TupleEditor,
    ACTIVATION: ActivationEditor,
    INITIALIZER: InitializerEditor,
    REGULARIZER: RegularizerEditor,
    CONSTRAINT: ConstraintEditor,
    LAYER: JsonEditor,
    ANY: JsonEditor,
}


def editor_for(spec: ParamSpec, parent: QWidget | None = None) -> ParamEditor:
    """The editor widget of ``spec``'s kind, showing its default; JSON text for an unknown kind."""
    if spec.kind == BOOL and spec.optional:
        return ChoiceEditor(spec, parent, (True, False))
    return EDITORS.get(spec.kind, JsonEditor)(spec, parent)
