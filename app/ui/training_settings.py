"""The Training settings form: a project's ``training`` section, edited field by field.

The form is generated from the engine's own tables in
``app.training.settings`` (optimizers and their parameters, schedule kinds,
losses, metrics, precisions, distributions), so it offers exactly what a run
accepts. Every field has a tooltip saying what it does, its range and its
default.

The editor holds no project: ``set_settings(training)`` fills it, and each
finished edit (Enter or leaving a text field, picking an entry, ticking a
box) patches a copy of the last valid section, checks the result with
``TrainingSettings.from_dict`` and emits ``changed(training, undo_text)``.
A value the check refuses is not emitted: the reason, naming the field,
shows in red under the form until that field is fixed. A field left as it
was emits nothing, so tabbing through the form adds no undo steps.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.training.schedules import schedule_points
from app.training.settings import (
    AUTO,
    DISTRIBUTIONS,
    LOSSES,
    METRICS,
    OPTIMIZER_CLASSES,
    OPTIMIZER_PARAMS,
    PRECISIONS,
    SCHEDULE_KINDS,
    Checkpoint,
    EarlyStopping,
    FineTune,
    Schedule,
    TrainingSettings,
    top_k_of,
)
from app.ui.curves import SCHEDULE, CurvePlot
from app.ui.param_editors import (
    FIELD_MIN_WIDTH,
    error_color,
    format_float,
    parse_float,
    parse_int,
    same_value,
)
from app.ui.training_settings_texts import (
    DISTRIBUTION_LABELS,
    DISTRIBUTION_NOTES,
    KERAS_DEFAULTS,
    KIND_RANGES,
    LOSS_TIPS,
    METRIC_LABELS,
    METRIC_TIPS,
    OPTIMIZER_TIPS,
    PARAM_TIPS,
    PRECISION_LABELS,
    SCHEDULE_LABELS,
    SCHEDULE_TIPS,
)
from app.ui.widgets import bold_font, muted_label, restyle_on_theme_change

INT_LIMIT = 2**31 - 1
ESTIMATED_STEPS_PER_EPOCH = 100  # until the window knows the data
LABEL_WIDTH = 124  # one label column for every section, so the fields line up
FORM_MAX_WIDTH = 620  # a wide dock does not stretch the fields across the screen
SECTION_STYLE = "QToolButton { border: none; padding: 4px 0px; font-weight: bold; }"
CHECKLIST_ROWS = 6  # a longer list of nodes scrolls
AXIS_WIDTH = 56  # room for tick labels like 0.0010 and 1e-05
RUNNING_TEXT = "Training is running: the settings are locked until it ends."

# ---------------------------------------------------------------- reading text
def _required_number(text: str) -> float:
    if not text:
        raise ValueError("a value is required; write it like 0.001 or 1e-4")
    return parse_float(text)


def _optional_number(text: str) -> float | None:
    return parse_float(text) if text else None


def _optional_whole(text: str) -> int | None:
    return parse_int(text) if text else None


def _whole_numbers(text: str) -> list[int]:
    return [parse_int(part) for part in text.replace(";", ",").split(",") if part.strip()]


def _numbers(text: str) -> list[float]:
    return [parse_float(part) for part in text.replace(";", ",").split(",") if part.strip()]


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_format(item) for item in value)
    return format_float(value)


def _as_dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _get_path(key: str, view: Mapping[str, Any]) -> Any:
    value: Any = view
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _put_path(key: str, data: dict[str, Any], value: Any) -> None:
    *parents, last = key.split(".")
    for part in parents:
        if not isinstance(data.get(part), dict):
            data[part] = {}
        data = data[part]
    data[last] = value


def _undo_name(label: str) -> str:
    """``"Learning rate"`` -> ``"learning rate"``, ``"XLA"`` stays."""
    return label if len(label) > 1 and label[1].isupper() else label[:1].lower() + label[1:]


# ---------------------------------------------------------------- fields
class _Field:
    """One editable value: its widget, where it lives in the section, how to show and read it.

    ``get(view)`` picks the value out of the filled view of the section;
    ``put(data, value)`` writes a committed value into a copy of the section.
    """

    def __init__(self, key: str, label: str, tip: str, widget: QWidget,
                 get: Callable[[Mapping[str, Any]], Any] | None = None,
                 put: Callable[[dict[str, Any], Any], None] | None = None,
                 undo: Callable[[Any], str] | None = None) -> None:
        self.key = key
        self.label = label
        self.widget = widget
        self.get = get or partial(_get_path, key)
        self.put = put or partial(_put_path, key)
        self.on_commit: Callable[[_Field], None] = lambda field: None
        self._undo = undo
        self._shown: Any = None
        widget.setToolTip(tip)

    def show(self, value: Any) -> None:
        """Put ``value`` into the widget, emitting nothing."""
        self.widget.blockSignals(True)
        try:
            self._show(value)
        finally:
            self.widget.blockSignals(False)
        self._shown = self.raw()

    @property
    def edited(self) -> bool:
        """True when the widget shows something else than it was last given."""
        return self.raw() != self._shown

    def accept(self) -> None:
        """What the widget shows now is the committed value."""
        self._shown = self.raw()

    def undo_text(self, value: Any) -> str:
        """The undo step's name for committing ``value``."""
        return self._undo(value) if self._undo else f"Set {_undo_name(self.label)}"

    def _commit(self, *_: Any) -> None:
        self.on_commit(self)

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def raw(self) -> Any:
        """A comparable snapshot of what the widget shows."""
        raise NotImplementedError

    def read(self) -> Any:
        """The widget's value; ``ValueError`` with the reason when the text cannot be read."""
        raise NotImplementedError


class _TextField(_Field):
    """A value typed as text (numbers like 1e-4, lists like ``1000, 2000``); empty may mean None."""

    def __init__(self, key: str, label: str, tip: str, parse: Callable[[str], Any],
                 placeholder: str = "", **kwargs: Any) -> None:
        line = QLineEdit(placeholderText=placeholder)
        line.setMinimumWidth(FIELD_MIN_WIDTH)
        super().__init__(key, label, tip, line, **kwargs)
        self.parse = parse
        line.editingFinished.connect(self._commit)

    def _show(self, value: Any) -> None:
        self.widget.setText(_format(value))
        self.widget.setCursorPosition(0)

    def raw(self) -> Any:
        return self.widget.text().strip()

    def read(self) -> Any:
        return self.parse(self.raw())


class _SpinField(_Field):
    """A whole number in a spin box bounded by the engine's check."""

    def __init__(self, key: str, label: str, tip: str, minimum: int = 0, **kwargs: Any) -> None:
        spin = QSpinBox(minimum=minimum, maximum=INT_LIMIT)
        spin.setMinimumWidth(FIELD_MIN_WIDTH)
        spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        super().__init__(key, label, tip, spin, **kwargs)
        spin.lineEdit().setToolTip(tip)
        spin.editingFinished.connect(self._commit)

    def _show(self, value: Any) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            self.widget.setValue(value)

    def raw(self) -> Any:
        return self.widget.text()

    def read(self) -> Any:
        self.widget.interpretText()
        return self.widget.value()


class _CheckField(_Field):
    """A yes/no value; the box carries its own text."""

    def __init__(self, key: str, label: str, tip: str, text: str | None = None, **kwargs: Any) -> None:
        box = QCheckBox(text if text is not None else label)
        box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)  # a click beside it is no click
        super().__init__(key, label, tip, box, **kwargs)
        self.widget.clicked.connect(self._commit)

    def _show(self, value: Any) -> None:
        self.widget.setChecked(bool(value))

    def raw(self) -> Any:
        return self.widget.isChecked()

    def read(self) -> Any:
        return self.widget.isChecked()

    def undo_text(self, value: Any) -> str:
        """``Turn on early stopping``."""
        if self._undo:
            return self._undo(value)
        return f"Turn {'on' if value else 'off'} {_undo_name(self.label)}"


class _ChoiceField(_Field):
    """One of a list of entries, each ``(text, value, tip)``; an editable one also takes typed text."""

    def __init__(self, key: str, label: str, tip: str, choices: Sequence[tuple[str, Any, str]],
                 editable: bool = False, **kwargs: Any) -> None:
        combo = QComboBox(editable=editable)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(8)
        super().__init__(key, label, tip, combo, **kwargs)
        self.set_choices(choices)
        combo.activated.connect(self._commit)
        if editable:
            combo.lineEdit().setToolTip(tip)
            combo.lineEdit().editingFinished.connect(self._commit)

    def set_choices(self, choices: Sequence[tuple[str, Any, str]]) -> None:
        """Offer ``choices``, keeping what is shown."""
        shown = self.raw() if self.widget.count() else None
        self.widget.blockSignals(True)
        self.widget.clear()
        for index, (text, value, tip) in enumerate(choices):
            self.widget.addItem(text, value)
            self.widget.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        self.widget.blockSignals(False)
        if shown is not None:
            self._show(shown[1] if self.widget.isEditable() else shown[2])

    def _index_of(self, value: Any) -> int:
        return next((i for i in range(self.widget.count()) if same_value(self.widget.itemData(i), value)), -1)

    def _show(self, value: Any) -> None:
        index = self._index_of(value)
        if index < 0 and self.widget.isEditable():
            self.widget.setEditText("" if value is None else str(value))
            return
        if index < 0:  # a value from elsewhere (a GPU of another machine): kept, and marked
            self.widget.addItem(f"{value} (not available here)", value)
            index = self.widget.count() - 1
        self.widget.setCurrentIndex(index)

    def raw(self) -> Any:
        return (self.widget.currentIndex(), self.widget.currentText().strip(), self.widget.currentData())

    def read(self) -> Any:
        text = self.widget.currentText().strip()
        if self.widget.isEditable():
            index = self.widget.findText(text)
            return self.widget.itemData(index) if index >= 0 else text
        return self.widget.currentData()


class _ChecklistField(_Field):
    """Names to tick (nodes to freeze or unfreeze); names no longer in the model stay listed."""

    def __init__(self, key: str, label: str, tip: str, **kwargs: Any) -> None:
        checklist = QListWidget()
        checklist.setMinimumWidth(FIELD_MIN_WIDTH)
        super().__init__(key, label, tip, checklist, **kwargs)
        self.names: list[str] = []
        checklist.itemChanged.connect(self._commit)

    def _show(self, value: Any) -> None:
        ticked = [name for name in value if isinstance(name, str)] if isinstance(value, list) else []
        names = self.names + [n for n in ticked if n not in self.names]
        items = [self.widget.item(row) for row in range(self.widget.count())]
        if [item.data(Qt.ItemDataRole.UserRole) for item in items] == names:
            for item in items:  # in place: this runs inside the list's own itemChanged signal
                checked = item.data(Qt.ItemDataRole.UserRole) in ticked
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            return
        self.widget.clear()
        for name in names:
            item = QListWidgetItem(name if name in self.names else f"{name} (not in the model)")
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in ticked else Qt.CheckState.Unchecked)
            item.setToolTip(f"Tick to include node {name}.")
            self.widget.addItem(item)
        rows = min(max(self.widget.count(), 1), CHECKLIST_ROWS)
        row_height = self.widget.sizeHintForRow(0) if self.widget.count() else 18
        self.widget.setFixedHeight(rows * row_height + 2 * self.widget.frameWidth() + 4)

    def raw(self) -> Any:
        return tuple(self.read())

    def read(self) -> Any:
        items = (self.widget.item(row) for row in range(self.widget.count()))
        return [item.data(Qt.ItemDataRole.UserRole) for item in items
                if item.checkState() == Qt.CheckState.Checked]


# ---------------------------------------------------------------- the editor
class TrainingSettingsEditor(QWidget):
    """A form over a project's ``training`` section; every finished edit emits the whole new section.

    Signals: ``changed(training, undo_text)``, with ``training`` as
    ``TrainingSettings.from_dict(...).to_dict()`` writes it (unknown keys kept).
    """

    changed = Signal(dict, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields: dict[str, _Field] = {}
        self._rows: dict[str, QFormLayout] = {}  # field or note key -> the form holding its row
        self._notes: dict[str, QLabel] = {}
        self._errors: dict[str, str] = {}
        self._data: dict[str, Any] = TrainingSettings().to_dict()
        self._valid = True
        self._outputs: list[str] = []
        self._node_names: list[str] = []
        self._devices: list[str] | None = None
        self._steps_per_epoch: int | None = None
        self._memory = {"lr_schedule": dataclasses.asdict(Schedule()),
                        "early_stopping": EarlyStopping().to_dict(), "fine_tune": FineTune().to_dict()}
        self._build()
        self._fill()

    # ------------------------------------------------------------------ public
    def set_settings(self, training: Mapping[str, Any] | None) -> None:
        """Show the ``training`` section (emits nothing); a bad section shows why in red."""
        self._errors.clear()
        try:
            self._data = TrainingSettings.from_dict(training).to_dict()
            self._valid = True
        except ValueError as error:
            self._data = copy.deepcopy(dict(training or {}))
            self._valid = False
            self._errors[""] = str(error)
        self._fill()

    def settings(self) -> dict[str, Any]:
        """The section the form shows (the last valid one), as ``TrainingSettings.to_dict`` writes it."""
        return copy.deepcopy(self._data)

    def set_outputs(self, names: Sequence[str]) -> None:
        """The model's output names: one loss field each (one "Loss" field for a single output)."""
        self._outputs = list(names)
        self._fill()

    def set_node_names(self, names: Sequence[str]) -> None:
        """The model's node names, offered to freeze and unfreeze."""
        self._node_names = list(names)
        for key in ("freeze", "fine_tune.unfreeze"):
            self.fields[key].names = self._node_names
        self._fill()

    def set_devices(self, devices: Sequence[str]) -> None:
        """The devices found (``app.training.devices.available_devices()``, found off the GUI thread)."""
        self._devices = [name.lower() for name in devices]
        self._fill()

    def set_steps_per_epoch(self, steps: int | None) -> None:
        """How many batches an epoch has (None: estimated), for the schedule plot."""
        self._steps_per_epoch = steps if steps and steps > 0 else None
        self._draw_schedule()

    def set_enabled_for_run(self, running: bool) -> None:
        """Grey the form out while a run trains (the settings apply to the next run)."""
        self._content.setEnabled(not running)
        self._running_note.setVisible(running)

    @property
    def error(self) -> str:
        """The reasons shown in red under the form ("" when every field is fine)."""
        return "\n".join(self._errors.values())

    @property
    def planned_steps(self) -> int:
        """The optimizer steps the schedule plot covers: epochs x steps per epoch."""
        epochs = self._data.get("epochs")
        epochs = epochs if isinstance(epochs, int) and epochs > 0 else 1
        return epochs * (self._steps_per_epoch or ESTIMATED_STEPS_PER_EPOCH)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self._content = QWidget()
        self._content.setMaximumWidth(FORM_MAX_WIDTH)
        column = QVBoxLayout(self._content)
        column.setContentsMargins(10, 6, 10, 10)
        column.setSpacing(2)
        for title, build in (("Optimizer", self._build_optimizer),
                             ("Learning-rate schedule", self._build_schedule),
                             ("Loss and metrics", self._build_loss),
                             ("Run", self._build_run), ("Callbacks", self._build_callbacks),
                             ("Device and scale", self._build_device),
                             ("Transfer learning", self._build_transfer)):
            body = QWidget()
            form = _form(body)
            build(form)
            column.addWidget(_section_button(title, body))
            column.addWidget(body)
        column.addStretch(1)
        holder = QWidget()  # keeps the form at the left of a wide dock
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self._content, 1)
        row.addStretch(0)
        scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(holder)
        self._running_note = muted_label(RUNNING_TEXT)
        self._running_note.setContentsMargins(10, 6, 10, 0)
        self._running_note.hide()
        self._error_label = QLabel(wordWrap=True, objectName="trainingSettingsError")
        self._error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._error_label.setContentsMargins(10, 4, 10, 6)
        self._error_label.hide()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self._running_note)
        outer.addWidget(scroll, 1)
        outer.addWidget(self._error_label)

    def _add(self, form: QFormLayout, field: _Field, row_label: bool = True) -> _Field:
        self.fields[field.key] = field
        self._rows[field.key] = form
        field.on_commit = self._commit
        if row_label:
            form.addRow(_label(field.label, field.widget.toolTip()), field.widget)
        else:
            form.addRow(_label("", ""), field.widget)
        return field

    def _build_optimizer(self, form: QFormLayout) -> None:
        choices = [(OPTIMIZER_CLASSES[name], name, OPTIMIZER_TIPS[name]) for name in OPTIMIZER_PARAMS]
        self._add(form, _ChoiceField("optimizer", "Optimizer", "How the weights are updated from the "
                                     "gradients. Default: Adam.", choices, put=self._put_optimizer))
        self._add(form, _TextField("learning_rate", "Learning rate", "The step size of each update, "
                                   "like 0.001 or 1e-4; above 0. Default: 0.001 (Adam).", _required_number))
        names = dict.fromkeys(name for params in OPTIMIZER_PARAMS.values() for name in params)
        for name in names:
            key = f"optimizer_params.{name}"
            kind = next(params[name] for params in OPTIMIZER_PARAMS.values() if name in params)
            tip = f"{PARAM_TIPS[name]} {KIND_RANGES[kind].capitalize()}".strip()
            how = {"get": partial(self._get_param, name), "put": partial(_put_optimizer_param, name)}
            if kind == "bool":
                self._add(form, _CheckField(key, name, f"{tip} Default: off.", **how), row_label=False)
            else:
                self._add(form, _TextField(key, name, f"{tip}. Empty: the Keras default (shown).",
                                           _optional_number, **how))
        self._add(form, _TextField("weight_decay", "Weight decay", "Shrinks every weight a little at "
                                   "each step (L2-like regularization); 0 or more. Empty: off (AdamW: "
                                   "0.004).", _optional_number, "off"))
        label = {"clipnorm": "Clip norm", "clipvalue": "Clip value", "global_clipnorm": "Global clip norm"}
        for name, text in (("clipnorm", "Clip each gradient so its norm is at most this; above 0."),
                           ("clipvalue", "Clip each gradient value into [-value, value]; above 0."),
                           ("global_clipnorm", "Clip all gradients together so their global norm is at "
                                               "most this; above 0. Not with clipnorm.")):
            self._add(form, _TextField(name, label[name], f"{text} Empty: off (the default).",
                                       _optional_number, "off"))

    def _build_schedule(self, form: QFormLayout) -> None:
        choices = [(SCHEDULE_LABELS[kind], kind, SCHEDULE_TIPS[kind]) for kind in SCHEDULE_KINDS]
        self._add(form, _ChoiceField("lr_schedule.kind", "Schedule", "How the learning rate changes during "
                                     "the run (steps are batches). Default: constant.", choices,
                                     put=self._put_schedule_kind))
        specs: list[tuple[str, str, str, Any]] = [
            ("boundaries", "Boundaries", "The steps where the rate drops, increasing, like 1000, 2000.",
             (_whole_numbers, "steps, like 1000, 2000")),
            ("values", "Rates", "The rate before the first boundary, then after each: one more than the "
             "boundaries, like 0.01, 0.001, 0.0001.", (_numbers, "rates, like 0.01, 0.001")),
            ("decay_steps", "Decay steps", "Steps over which the rate decays; at least 1. Empty: the whole "
             "run.", (_optional_whole, "the whole run")),
            ("decay_rate", "Decay rate", "Multiplies the rate every decay_steps steps; above 0, at most 1. "
             "Default: 0.96.", (_required_number, "")),
            ("staircase", "Staircase", "Drop in steps at whole multiples of decay_steps rather than "
             "smoothly. Default: off.", None),
            ("warmup_steps", "Warm-up steps", "Steps over which the rate rises linearly from the warm-up "
             "start; 0 or more. Default: 0 (no warm-up).", 0),
            ("warmup_start", "Warm-up start", "The rate the warm-up starts from; 0 or more. Default: 0.",
             (_required_number, "")),
            ("alpha", "Final fraction", "alpha: the rate ends at this fraction of the learning rate; 0 to 1. "
             "Default: 0.", (_required_number, "")),
            ("monitor", "Monitor", "The value watched for a plateau, like val_loss. Default: val_loss.",
             "monitor"),
            ("factor", "Factor", "Multiplies the rate on a plateau; between 0 and 1. Default: 0.1.",
             (_required_number, "")),
            ("patience", "Patience", "Epochs without improvement before the rate drops; 0 or more. "
             "Default: 10.", 0),
            ("min_lr", "Lowest rate", "The rate never drops below this; 0 or more. Default: 0.",
             (_required_number, "")),
            ("cooldown", "Cooldown", "Epochs to wait after a drop before watching again; 0 or more. "
             "Default: 0.", 0),
            ("min_delta", "Min. change", "A smaller improvement than this does not count; 0 or more. "
             "Default: 0.0001.", (_required_number, "")),
        ]
        for name, label, tip, how in specs:
            self._add_typed(form, f"lr_schedule.{name}", label, tip, how)
        for name in ("boundaries", "values"):  # committed together: their lengths must match
            self.fields[f"lr_schedule.{name}"].put = self._put_piecewise
        self._plot = CurvePlot("Planned learning rate", "step", from_zero=True)
        self._plot.setMinimumSize(160, 130)
        self._plot.setFixedHeight(150)
        self._plot.add_curve("schedule", style=SCHEDULE, label="planned")
        legend = self._plot.legend  # one curve needs no legend; taken off the scene so it stays off
        if legend.scene() is not None:
            legend.scene().removeItem(legend)
        self._plot.getPlotItem().getAxis("left").setWidth(AXIS_WIDTH)
        form.addRow(self._plot)
        self._plot_note = muted_label()
        form.addRow(self._plot_note)

    def _add_typed(self, form: QFormLayout, key: str, label: str, tip: str, how: Any) -> None:
        """A field of the kind ``how`` says: (parse, placeholder), a spin minimum, None (a box), "monitor"."""
        if how is None:
            self._add(form, _CheckField(key, label, tip), row_label=False)
        elif how == "monitor":
            self._add(form, _ChoiceField(key, label, tip, [], editable=True))
        elif isinstance(how, int):
            self._add(form, _SpinField(key, label, tip, how))
        else:
            self._add(form, _TextField(key, label, tip, how[0], how[1]))

    def _build_loss(self, form: QFormLayout) -> None:
        self._loss_form = form
        self._loss_keys: list[str] = []
        grid_box = QWidget()
        grid = QGridLayout(grid_box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        for index, name in enumerate(METRICS):
            field = _CheckField(f"metrics.{name}", METRIC_LABELS[name], f"{name}: {METRIC_TIPS[name]}",
                                get=partial(_has_metric, name), put=partial(self._put_metric, name),
                                undo=partial(_metric_undo, name))
            self.fields[field.key] = field
            field.on_commit = self._commit
            grid.addWidget(field.widget, index // 2, index % 2)
        # Under their own heading, across the whole width: two columns of boxes do not fit beside a label.
        form.addRow(_label("Metrics", "Measured and plotted every epoch (and on the validation data)."))
        grid.setContentsMargins(12, 0, 0, 0)
        form.addRow(grid_box)
        self._add(form, _SpinField("metrics.top_k", "Top-k: K", "K of the top-k accuracy: a sample counts "
                                   "as right when its class is among the K most likely; at least 1. "
                                   "Default: 5.", 1, get=_top_k, put=self._put_top_k))

    def _rebuild_loss_fields(self, names: list[str]) -> None:
        for key in self._loss_keys:
            self._loss_form.removeRow(self.fields.pop(key).widget)
            self._rows.pop(key)
        self._loss_keys = []
        for row, name in enumerate(names or [""]):
            key = f"loss.{name}" if name else "loss"
            label = f"Loss of {name}" if name else "Loss"
            choices = [(AUTO, AUTO, LOSS_TIPS[AUTO])] + [(loss, loss, LOSS_TIPS[loss]) for loss in LOSSES]
            tip = ("What training minimizes" + (f" for output {name}" if name else "") +
                   "; auto proposes one from the output's activation and the labels. Default: auto.")
            field = _ChoiceField(key, label, tip, choices, get=partial(_loss_of, name),
                                 put=partial(self._put_loss, name))
            self.fields[key] = field
            self._rows[key] = self._loss_form
            field.on_commit = self._commit
            self._loss_form.insertRow(row, _label(label, tip), field.widget)
            self._loss_keys.append(key)

    def _build_run(self, form: QFormLayout) -> None:
        self._add(form, _SpinField("batch_size", "Batch size", "Samples per optimizer step; at least 1. "
                                   "Larger is faster per epoch but needs more memory. Default: 32.", 1))
        self._add(form, _SpinField("epochs", "Epochs", "Passes over the training data; 0 or more. "
                                   "Default: 10.", 0))
        self._add(form, _TextField("validation_split", "Validation split", "The share of the training data "
                                   "held out for validation, from 0 up to (not including) 1; used only "
                                   "when the data has no validation split. Default: 0.", _required_number))
        self._add(form, _CheckField("shuffle", "Shuffle", "Shuffle the training data every epoch. "
                                    "Default: on.", "Shuffle every epoch"), row_label=False)
        self._add(form, _TextField("seed", "Seed", "Seed for shuffling and initial weights, so a run can "
                                   "be repeated; a whole number, 0 or more. Empty: random (the default).",
                                   _optional_whole, "random"))

    def _build_callbacks(self, form: QFormLayout) -> None:
        self._add(form, _CheckField("early_stopping.on", "Early stopping", "Stop when the monitored value "
                                    "has not improved for a number of epochs. Default: off.",
                                    get=lambda view: view.get("early_stopping_on", False),
                                    put=self._put_early_stopping), row_label=False)
        self._add_typed(form, "early_stopping.monitor", "Monitor", "The value watched, like val_loss or "
                        "val_accuracy (higher is better for accuracy, precision, recall, F1, AUC, R²). "
                        "Default: val_loss.", "monitor")
        self._add_typed(form, "early_stopping.patience", "Patience", "Epochs without improvement before "
                        "stopping; 0 or more. Default: 5.", 0)
        self._add_typed(form, "early_stopping.min_delta", "Min. change", "A smaller improvement than this "
                        "does not count; 0 or more. Default: 0.", (_required_number, ""))
        self._add_typed(form, "early_stopping.restore_best_weights", "Restore best weights", "At the end, "
                        "go back to the weights of the best epoch. Default: on.", None)
        self._add(form, _CheckField("checkpoint.best", "Keep the best weights", "Save the weights of the "
                                    "best epoch (by the checkpoint monitor) in the run folder. Default: on."),
                  row_label=False)
        self._add(form, _CheckField("checkpoint.last", "Keep the last weights", "Save the weights of the "
                                    "last epoch, to continue training later. Default: on."), row_label=False)
        self._add_typed(form, "checkpoint.monitor", "Best by", "The value that decides the best epoch; "
                        "auto: val_loss with validation data, else loss. Default: auto.", "monitor")
        for key, label, tip in (
            ("log_batches", "Log every batch", "Also write each batch's loss and metrics to batches.csv "
             "(the epochs always go to history.csv). Default: off."),
            ("tensorboard", "TensorBoard log", "Write TensorBoard logs into the run folder. Default: off."),
            ("stop_on_nan", "Stop on NaN", "Stop the run when the loss becomes NaN or infinite, keeping the "
             "last good weights. Default: on."),
            ("record_health", "Record training health", "At each epoch's end, record per layer the "
             "histograms of weights and gradients, the gradient norm, the update/weight ratio and dead "
             "ReLUs, for the Inspect panel (costs a little time per epoch). Default: off."),
        ):
            self._add(form, _CheckField(key, label, tip), row_label=False)

    def _build_device(self, form: QFormLayout) -> None:
        self._add(form, _ChoiceField("device", "Device", "Where the run trains: auto picks a GPU when there "
                                     "is one. Default: auto.", []))
        self._add_note(form, "devices")
        precisions = [(PRECISION_LABELS[p], p, PRECISION_LABELS[p]) for p in PRECISIONS]
        self._add(form, _ChoiceField("precision", "Precision", "Mixed precision computes in 16 bits and "
                                     "keeps the weights in 32: about twice as fast on GPUs with tensor "
                                     "cores. Default: float32.", precisions))
        jit = [("auto", AUTO, "Keras decides (on where it helps)."), ("on", True, "Always compile."),
               ("off", False, "Never compile: easier to debug.")]
        self._add(form, _ChoiceField("jit_compile", "XLA / jit", "Compile the training step (XLA on "
                                     "TensorFlow, jit on JAX): usually faster, slower to start. Default: "
                                     "auto.", jit))
        distributions = [(DISTRIBUTION_LABELS[d], d, DISTRIBUTION_NOTES[d]) for d in DISTRIBUTIONS]
        self._add(form, _ChoiceField("distribute", "Distribute", "Train on several devices or machines at "
                                     "once. Default: none.", distributions))
        self._add_note(form, "distribute")

    def _build_transfer(self, form: QFormLayout) -> None:
        self._add(form, _ChecklistField("freeze", "Freeze", "Nodes whose weights do not train (a "
                                        "pretrained backbone as a whole). Default: none."))
        self._add_note(form, "freeze_empty", "The model's nodes appear here once it is open.")
        self._add(form, _CheckField("fine_tune.on", "Two-stage fine-tune", "First train the new head with "
                                    "the backbone frozen, then unfreeze it and go on at a lower rate. "
                                    "Default: off.", get=lambda view: view.get("fine_tune_on", False),
                                    put=self._put_fine_tune), row_label=False)
        self._add(form, _ChecklistField("fine_tune.unfreeze", "Unfreeze", "The backbone node(s): frozen in "
                                        "the first stage, trained in the second."))
        self._add_typed(form, "fine_tune.head_epochs", "Head epochs", "Epochs of the first stage (head "
                        "only); 0 or more. Default: 1.", 0)
        self._add_typed(form, "fine_tune.top_layers", "Top layers", "Unfreeze only the top N layers of each "
                        "backbone; at least 1. Empty: all of them (the default). Batch normalization stays "
                        "frozen.", (_optional_whole, "all"))
        self._add_typed(form, "fine_tune.learning_rate", "Fine-tune rate", "The learning rate of the second "
                        "stage, usually 10-100x lower; above 0. Default: 1e-5.", (_required_number, ""))

    # ------------------------------------------------------------------ filling
    def _view(self) -> dict[str, Any]:
        """The section with every field filled: defaults and remembered values for what it leaves out."""
        data = self._data
        view = {**TrainingSettings().to_dict(), **copy.deepcopy(data)}
        schedule = data.get("lr_schedule")
        schedule = {"kind": schedule} if isinstance(schedule, str) else _as_dict(schedule)
        view["lr_schedule"] = {**self._memory["lr_schedule"], **schedule}
        view["checkpoint"] = {**Checkpoint().to_dict(), **_as_dict(data.get("checkpoint"))}
        view["early_stopping_on"] = bool(data.get("early_stopping"))
        view["early_stopping"] = {**self._memory["early_stopping"], **_as_dict(data.get("early_stopping"))}
        view["fine_tune_on"] = bool(data.get("fine_tune"))
        view["fine_tune"] = {**self._memory["fine_tune"], **_as_dict(data.get("fine_tune"))}
        return view

    def _remember(self) -> None:
        for key in self._memory:
            if isinstance(self._data.get(key), Mapping):
                self._memory[key].update(copy.deepcopy(self._data[key]))

    def _fill(self) -> None:
        """Show the section in every field that holds no refused text, and the parts that depend on it."""
        self._remember()
        view = self._view()
        names = self._loss_names(view)
        if [f"loss.{n}" if n else "loss" for n in names or [""]] != self._loss_keys:
            self._rebuild_loss_fields(names)
        self._update_choices(view)
        for key, field in self.fields.items():
            if key not in self._errors:
                field.show(field.get(view))
        self._update_visibility(view)
        self._draw_schedule()
        self._show_errors()

    def _loss_names(self, view: Mapping[str, Any]) -> list[str]:
        loss = view.get("loss")
        names = list(self._outputs)
        if isinstance(loss, Mapping):
            names += [name for name in loss if name not in names]
        return names if len(names) > 1 or isinstance(loss, Mapping) else []

    def _update_choices(self, view: Mapping[str, Any]) -> None:
        metrics = [m for m in view.get("metrics") or [] if isinstance(m, str)]
        watched = ["val_loss", "loss"] + [f"{prefix}{m}" for m in metrics for prefix in ("val_", "")]
        monitors = [(name, name, f"Watch {name}.") for name in watched]
        for key in ("lr_schedule.monitor", "early_stopping.monitor"):
            self.fields[key].set_choices(monitors)
        self.fields["checkpoint.monitor"].set_choices(
            [(AUTO, AUTO, "val_loss with validation data, else loss.")] + monitors)
        devices = [("auto", AUTO, "A GPU when there is one, else the CPU."), ("cpu", "cpu", "The CPU.")]
        gpus = [name for name in self._devices or [] if name.startswith("gpu")]
        devices += [(name, name, f"GPU {name.partition(':')[2]}.") for name in gpus]
        if self._devices is None:
            devices.append(("gpu", "gpu", "The first GPU."))
        self.fields["device"].set_choices(devices)

    def _update_visibility(self, view: Mapping[str, Any]) -> None:
        optimizer = view.get("optimizer") if view.get("optimizer") in OPTIMIZER_PARAMS else "adam"
        for name in dict.fromkeys(n for params in OPTIMIZER_PARAMS.values() for n in params):
            self._show_row(f"optimizer_params.{name}", name in OPTIMIZER_PARAMS[optimizer])
            field = self.fields[f"optimizer_params.{name}"]
            if isinstance(field, _TextField) and name in KERAS_DEFAULTS[optimizer]:
                field.widget.setPlaceholderText(f"Keras default: {_format(KERAS_DEFAULTS[optimizer][name])}")
        kind = view["lr_schedule"].get("kind")
        used = Schedule(kind=kind).to_dict() if kind in SCHEDULE_KINDS else {}
        for name in dataclasses.asdict(Schedule()):
            if name != "kind":
                self._show_row(f"lr_schedule.{name}", name in used)
        for key, field in self.fields.items():
            if key.startswith("early_stopping.") and key != "early_stopping.on":
                field.widget.setEnabled(bool(view["early_stopping_on"]))
            if key.startswith("fine_tune.") and key != "fine_tune.on":
                field.widget.setEnabled(bool(view["fine_tune_on"]))
        self.fields["metrics.top_k"].widget.setEnabled(any(top_k_of(m) for m in _metric_names(view)))
        nodes = self.fields["freeze"].widget.count() > 0
        self._show_row("freeze", nodes)
        self._show_row("freeze_empty", not nodes)
        self._show_row("fine_tune.unfreeze", self.fields["fine_tune.unfreeze"].widget.count() > 0)
        self._notes["distribute"].setText(DISTRIBUTION_NOTES.get(view.get("distribute"), ""))
        self._notes["devices"].setText(self._devices_text())
        self._show_row("devices", bool(self._notes["devices"].text()))

    def _devices_text(self) -> str:
        if self._devices is None:
            return ""
        gpus = [name for name in self._devices if name.startswith("gpu")]
        if not gpus:
            return "No GPU found on this machine: training runs on the CPU."
        return f"{len(gpus)} GPU{'s' if len(gpus) > 1 else ''} found: {', '.join(gpus)}."

    def _show_row(self, key: str, visible: bool) -> None:
        widget = self._notes[key] if key in self._notes else self.fields[key].widget
        self._rows[key].setRowVisible(widget, visible)

    def _add_note(self, form: QFormLayout, key: str, text: str = "") -> QLabel:
        """A muted line under the fields (in the field column)."""
        note = self._notes[key] = muted_label(text)
        self._rows[key] = form
        form.addRow(_label("", ""), note)
        return note

    def _draw_schedule(self) -> None:
        steps = self.planned_steps
        try:
            settings = TrainingSettings.from_dict(self._data)
        except ValueError:
            self._plot_note.setText("The plan appears once the settings are valid.")
            return
        points = schedule_points(settings, steps)
        self._plot.replace_points("schedule", [p[0] for p in points], [p[1] for p in points])
        self._plot.refresh()
        per_epoch = self._steps_per_epoch
        estimate = f"{per_epoch:,}" if per_epoch else f"about {ESTIMATED_STEPS_PER_EPOCH} (an estimate)"
        note = f"{max(settings.epochs, 1)} epochs x {estimate} steps = {steps:,} steps."
        if settings.lr_schedule.kind == "plateau":
            note += f" The rate drops only when {settings.lr_schedule.monitor} stops improving, so the " \
                    "plan is flat."
        self._plot_note.setText(note)

    @property
    def schedule_curve(self) -> tuple[list[float], list[float]]:
        """The points of the planned-rate plot: steps and rates."""
        series = self._plot.series["schedule"]
        return [float(x) for x in series.x], [float(y) for y in series.y]

    # ------------------------------------------------------------------ committing
    def _commit(self, field: _Field) -> None:
        """Check the field's new value within the whole section; emit the section, or show why not."""
        if not field.edited:
            if self._errors.pop(field.key, None) is not None:
                self._show_errors()
            return
        try:
            value = field.read()
        except ValueError as error:
            self._refuse(field, f"training.{field.key.removesuffix('.on')}: {error}")
            return
        # Text refused earlier may fit now (global clip norm once clip norm is cleared): try it along.
        pending = [self.fields[key] for key in self._errors
                   if key in self.fields and key != field.key and self.fields[key].edited]
        try:
            result, taken = self._with_pending(field, value, pending), [field, *pending]
        except ValueError:
            try:
                result, taken = self._with_pending(field, value, []), [field]
            except ValueError as error:
                self._refuse(field, str(error))
                return
        for item in taken:
            item.accept()
        if field.put == self._put_piecewise:
            for name in ("boundaries", "values"):
                self.fields[f"lr_schedule.{name}"].accept()
        # What a field shows now is valid unless it still holds refused text.
        self._errors = {key: message for key, message in self._errors.items()
                        if key in self.fields and self.fields[key].edited}
        if result == self._data and self._valid:
            self._show_errors()
            return
        self._data, self._valid = result, True
        self._fill()
        self.changed.emit(copy.deepcopy(result), field.undo_text(value))

    def _with_pending(self, field: _Field, value: Any, pending: list[_Field]) -> dict[str, Any]:
        """The section with ``value`` and the values of ``pending`` fields put in, checked."""
        candidate = copy.deepcopy(self._data)
        for other in pending:
            other.put(candidate, other.read())
        field.put(candidate, value)
        return TrainingSettings.from_dict(candidate).to_dict()

    def _refuse(self, field: _Field, message: str) -> None:
        """Show why ``field``'s value is refused; typed text stays to be fixed, a click goes back."""
        typed = isinstance(field, (_TextField, _SpinField)) or (
            isinstance(field, _ChoiceField) and field.widget.isEditable())
        if not typed:
            field.show(field.get(self._view()))
        self._errors[field.key] = message
        self._show_errors()

    def _show_errors(self) -> None:
        self._error_label.setText(self.error)
        self._error_label.setVisible(bool(self._errors))
        self._error_label.setStyleSheet(f"color: {error_color(self.palette()).name()};")

    def changeEvent(self, event: QEvent) -> None:
        """Recolour the error text on a theme switch."""
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "_error_label"):
            self._show_errors()
        super().changeEvent(event)

    # ------------------------------------------------------------------ puts
    def _get_param(self, name: str, view: Mapping[str, Any]) -> Any:
        value = _as_dict(view.get("optimizer_params")).get(name)
        if value is None and isinstance(self.fields.get(f"optimizer_params.{name}"), _CheckField):
            return KERAS_DEFAULTS.get(view.get("optimizer"), {}).get(name, False)
        return value

    def _put_optimizer(self, data: dict[str, Any], value: Any) -> None:
        data["optimizer"] = value
        params = _as_dict(data.get("optimizer_params"))
        data["optimizer_params"] = {k: v for k, v in params.items() if k in OPTIMIZER_PARAMS.get(value, {})}

    def _put_schedule_kind(self, data: dict[str, Any], kind: Any) -> None:
        current = data.get("lr_schedule")
        source = {**self._memory["lr_schedule"], **_as_dict(current)}
        if kind == "piecewise" and not source.get("boundaries"):
            source["boundaries"], source["values"] = self._default_steps(data)
        data["lr_schedule"] = {"kind": kind, **{key: copy.deepcopy(source[key])
                                                for key in Schedule(kind=kind).to_dict() if key != "kind"}}

    def _put_piecewise(self, data: dict[str, Any], _value: Any) -> None:
        schedule = data["lr_schedule"] = _as_dict(data.get("lr_schedule"))
        for name in ("boundaries", "values"):
            try:
                schedule[name] = self.fields[f"lr_schedule.{name}"].read()
            except ValueError as error:
                raise ValueError(f"training.lr_schedule.{name}: {error}") from None

    def _default_steps(self, data: Mapping[str, Any]) -> tuple[list[int], list[float]]:
        """Drops to a tenth at half the run and to a hundredth at three quarters."""
        steps = self.planned_steps
        first = max(steps // 2, 1)
        rate = data.get("learning_rate")
        rate = float(rate) if isinstance(rate, (int, float)) and rate > 0 else 0.001
        return [first, max(steps * 3 // 4, first + 1)], [rate, float(f"{rate / 10:.6g}"),
                                                         float(f"{rate / 100:.6g}")]

    def _put_early_stopping(self, data: dict[str, Any], on: Any) -> None:
        data["early_stopping"] = copy.deepcopy(self._memory["early_stopping"]) if on else None

    def _put_fine_tune(self, data: dict[str, Any], on: Any) -> None:
        if not on:
            data["fine_tune"] = None
            return
        fine_tune = copy.deepcopy(self._memory["fine_tune"])
        if not fine_tune.get("unfreeze"):
            fine_tune["unfreeze"] = list(data.get("freeze") or [])
        if not fine_tune["unfreeze"]:
            raise ValueError("training.fine_tune.unfreeze: freeze the backbone node(s) first; the second "
                             "stage unfreezes them")
        data["fine_tune"] = fine_tune

    def _put_metric(self, name: str, data: dict[str, Any], on: Any) -> None:
        same = (lambda m: bool(top_k_of(m))) if top_k_of(name) else (lambda m: m == name)
        metrics = [m for m in data.get("metrics") or [] if not same(m)]
        if on:
            k = self.fields["metrics.top_k"].read()
            metrics.append(name if not top_k_of(name) or k == 5 else f"top_{k}_accuracy")
        data["metrics"] = metrics

    def _put_top_k(self, data: dict[str, Any], k: Any) -> None:
        metrics = list(data.get("metrics") or [])
        data["metrics"] = [f"top_{k}_accuracy" if isinstance(m, str) and top_k_of(m) else m for m in metrics]

    def _put_loss(self, name: str, data: dict[str, Any], loss: Any) -> None:
        if not name:
            data["loss"] = loss
            return
        current = data.get("loss")
        names = self._loss_names(self._view())
        losses = dict(current) if isinstance(current, Mapping) else {n: current or AUTO for n in names}
        losses[name] = loss
        data["loss"] = losses


# ---------------------------------------------------------------- helpers
def _put_optimizer_param(name: str, data: dict[str, Any], value: Any) -> None:
    params = _as_dict(data.get("optimizer_params"))
    if value is None:
        params.pop(name, None)
    else:
        params[name] = value
    data["optimizer_params"] = params


def _metric_names(view: Mapping[str, Any]) -> list[str]:
    return [m for m in view.get("metrics") or [] if isinstance(m, str)]


def _has_metric(name: str, view: Mapping[str, Any]) -> bool:
    metrics = _metric_names(view)
    return any(top_k_of(m) for m in metrics) if top_k_of(name) else name in metrics


def _top_k(view: Mapping[str, Any]) -> int:
    return next((top_k_of(m) for m in _metric_names(view) if top_k_of(m)), 5) or 5


def _metric_undo(name: str, on: Any) -> str:
    return f"{'Add' if on else 'Remove'} metric {name}"


def _loss_of(name: str, view: Mapping[str, Any]) -> Any:
    loss = view.get("loss")
    return loss.get(name, AUTO) if isinstance(loss, Mapping) else loss


def _label(text: str, tip: str) -> QLabel:
    label = QLabel(text, wordWrap=True)
    label.setFixedWidth(LABEL_WIDTH)
    label.setToolTip(tip)
    return label


def _form(body: QWidget) -> QFormLayout:
    form = QFormLayout(body)
    form.setContentsMargins(0, 2, 0, 8)
    form.setHorizontalSpacing(8)
    form.setVerticalSpacing(5)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return form


def _section_button(title: str, body: QWidget) -> QToolButton:
    """A bold, checkable header that shows or hides ``body``."""
    button = QToolButton(text=title, checkable=True, checked=True)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setArrowType(Qt.ArrowType.DownArrow)
    button.setAutoRaise(True)
    button.setStyleSheet(SECTION_STYLE)
    button.setFont(bold_font(button))
    button.setToolTip(f"Show or hide the {title.lower()} settings")
    restyle_on_theme_change(button)

    def toggle(shown: bool) -> None:
        body.setVisible(shown)
        button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    button.toggled.connect(toggle)
    return button

