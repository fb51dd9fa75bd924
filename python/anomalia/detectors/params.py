"""Parameter checks for detectors and threshold specs, in one place.

Two uses:

- the ``check_*`` functions, called by each detector when it is fitted;
- :func:`check_detector_params` and :func:`check_threshold_spec`, called by
  the configuration reader and the CLI before any data is read, so that a
  typo or a value out of range fails in a fraction of a second, with "did you
  mean" for names.

Constraints are declared as scikit-learn's ``_parameter_constraints`` are: a
list of alternatives per parameter (:class:`Interval`, :class:`Options`,
:class:`SequenceOf`, ``None``). A detector class may declare its own
``_parameter_constraints``; otherwise a parameter gets the constraints of
:data:`DETECTOR_CONSTRAINTS` for its detector, then of :data:`CONSTRAINTS` for
its name, then its type annotation (``int``, ``float``, ``bool``, ``str``).

Messages name the parameter, the expectation and the value received, e.g.
"`n_neighbors` must be an integer >= 1, got 0".
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from anomalia.detectors.signature import Parameter, constructor_parameters, detector_parameters
from anomalia.exceptions import ConfigError


def check_integer(name: str, value: object, *, minimum: int) -> None:
    """Raise ``ConfigError`` unless ``value`` is an integer (not a bool) ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"`{name}` must be an integer >= {minimum}, got {value!r}")


def check_number(
    name: str,
    value: object,
    *,
    low: float,
    high: float,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """Raise ``ConfigError`` unless ``value`` is a real number in the given interval."""
    valid = (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool)
        and np.isfinite(value)
        and (low < value if low_open else low <= value)
        and (value < high if high_open else value <= high)
    )
    if not valid:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ConfigError(f"`{name}` must be a number in {interval}, got {value!r}")


def check_choice(name: str, value: object, choices: Collection[object]) -> None:
    """Raise ``ConfigError`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        options = ", ".join(repr(choice) for choice in choices)
        raise ConfigError(f"`{name}` must be one of {options}, got {value!r}")


#: Names other libraries use for the same parameter (spelling is not enough to match them).
_SYNONYMS = {
    "n_trees": "n_estimators",
    "trees": "n_estimators",
    "k": "n_neighbors",
    "neighbors": "n_neighbors",
    "seed": "random_state",
    "window_size": "window",
    "lookback": "window",
    "threshold": "contamination",
    "isolation_forest": "iforest",
    "isolationforest": "iforest",
    "one_class_svm": "ocsvm",
    "oneclasssvm": "ocsvm",
    "local_outlier_factor": "lof",
    "randomforest": "random_forest",
}


def did_you_mean(name: object, choices: Iterable[str]) -> str:
    """``" (did you mean `x`?)"`` for the closest of ``choices``, or ``""``."""
    choices = list(choices)
    synonym = _SYNONYMS.get(str(name))
    if synonym in choices:
        return f" (did you mean `{synonym}`?)"
    close = difflib.get_close_matches(str(name), choices, n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


# --------------------------------------------------------------- constraints
@dataclass(frozen=True)
class Interval:
    """A real or integer number between ``low`` and ``high`` (``None``: unbounded).

    ``closed`` names the included ends: ``"both"``, ``"left"``, ``"right"`` or
    ``"neither"``.
    """

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"

    def accepts(self, value: object) -> bool:
        if isinstance(value, bool):
            return False
        if self.kind is int:
            if not isinstance(value, numbers.Integral):
                return False
        elif not isinstance(value, numbers.Real) or not np.isfinite(float(value)):
            return False
        if self.low is not None:
            if value < self.low or (value == self.low and self.closed in ("right", "neither")):
                return False
        if self.high is not None:
            if value > self.high or (value == self.high and self.closed in ("left", "neither")):
                return False
        return True

    def describe(self) -> str:
        if self.kind is int and self.high is None:
            return "an integer" if self.low is None else f"an integer >= {self.low:g}"
        if self.low is None and self.high is None:
            return "a number"
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        what = "an integer" if self.kind is int else "a number"
        return f"{what} in {left}{low}, {high}{right}"


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values."""

    values: tuple[Any, ...]

    def accepts(self, value: object) -> bool:
        return any(value == option and type(value) is type(option) for option in self.values)

    def describe(self) -> str:
        return ", ".join(repr(option) for option in self.values)


@dataclass(frozen=True)
class SequenceOf:
    """A list or tuple whose items all meet ``item`` (``length`` of them, if given)."""

    item: Interval
    length: int | None = None

    def accepts(self, value: object) -> bool:
        if not isinstance(value, (list, tuple)):
            return False
        if self.length is not None and len(value) != self.length:
            return False
        return all(self.item.accepts(element) for element in value)

    def describe(self) -> str:
        if self.length is not None:
            count = {2: "two", 3: "three"}.get(self.length, str(self.length))
            kind = "integers" if self.item.kind is int else "numbers"
            bound = self.item.describe().split(" ", 2)[-1]  # ">= 0" or "in [0, 1]"
            return f"{count} {kind} {bound}"
        each = self.item.describe().removeprefix("an ").removeprefix("a ")
        kind, _, bound = each.partition(" ")
        return f"a sequence of {kind}s, each {bound}" if bound else f"a sequence of {kind}s"


class _Boolean:
    def accepts(self, value: object) -> bool:
        return isinstance(value, (bool, np.bool_))

    def describe(self) -> str:
        return "true or false"


class _String:
    def accepts(self, value: object) -> bool:
        return isinstance(value, str)

    def describe(self) -> str:
        return "a string"


BOOLEAN, STRING = _Boolean(), _String()

#: The one allowed range of ``contamination`` (the share of training points
#: flagged), for detectors, the quantile threshold and the R package.
CONTAMINATION = Interval(float, 0.0, 0.5, closed="neither")

_POSITIVE = Interval(int, 1)
_FRACTION = Interval(float, 0.0, 1.0, closed="right")

#: Constraints by parameter name, shared by every detector that has the parameter.
CONSTRAINTS: dict[str, list[Any]] = {
    "contamination": [CONTAMINATION],
    "window": [Interval(int, 2)],
    "windows": [SequenceOf(Interval(int, 2))],
    "lags": [SequenceOf(Interval(int, 1))],
    "fft_window": [Interval(int, 4)],
    "season": [Options(("auto",)), None, Interval(int, 2)],
    "feature_set": [Options(("context", "level", "both"))],
    "random_state": [Interval(int, 0)],
    "n_estimators": [_POSITIVE],
    "max_samples": [Options(("auto",)), Interval(int, 2), _FRACTION],
    "nu": [_FRACTION],
    "gamma": [Options(("scale", "auto")), Interval(float, 0.0, None, closed="neither")],
    "max_train": [Interval(int, 2)],
    "n_neighbors": [_POSITIVE],
    "eps": [Interval(float, 0.0, None, closed="neither")],
    "min_points": [Interval(int, 2)],
    "eps_quantile": [_FRACTION],
    "max_depth": [_POSITIVE],
    "min_samples_leaf": [_POSITIVE],
    "class_weight": [Options((None, "balanced", "balanced_subsample"))],
    "order": [SequenceOf(Interval(int, 0), length=3)],
    "trend": [Options(("n", "c"))],
    "combination": [Options(("mean", "max", "vote"))],
    "normalisation": [Options(("rank", "robust_z"))],
    "units": [_POSITIVE],
    "layers": [_POSITIVE],
    "dropout": [Interval(float, 0.0, 1.0, closed="left")],
    "optimizer": [Options(("adam", "rmsprop", "sgd"))],
    "smoothing": [_POSITIVE],
    "hidden_units": [_POSITIVE],
    "latent_dim": [_POSITIVE],
    "filters": [_POSITIVE],
    "code_channels": [_POSITIVE],
    "kernel_size": [_POSITIVE],
    "epochs": [_POSITIVE],
    "batch_size": [_POSITIVE],
    "patience": [Interval(int, 0)],
    "max_windows": [_POSITIVE],
    "learning_rate": [_FRACTION],
    "validation_fraction": [Interval(float, 0.0, 0.5, closed="right")],
    "kl_weight": [Interval(float, 0.0, 100.0)],
    "memory": [_POSITIVE],
    "period": [Interval(int, 2)],
    "max_period": [Interval(int, 2)],
    "max_order": [Interval(int, 0)],
}

#: Rows (or a share of the training rows) of the onset rule, or None: no onset rule.
_ONSET_WINDOW = [Interval(int, 1), Interval(float, 0.0, 1.0, closed="right"), None]
_DEEP = ("lstm_forecast", "lstm_attention", "lstm_ae", "vae")

#: Constraints that differ for one detector (by registry name).
DETECTOR_CONSTRAINTS: dict[str, dict[str, list[Any]]] = {
    "novelty": {
        "windows": [SequenceOf(Interval(int, 1))],
        "onset_window": [Interval(int, 1), Interval(float, 0.0, 1.0, closed="right"), None],
    },
    **{name: {"onset_window": _ONSET_WINDOW} for name in _DEEP},
    # The window must also be a multiple of 2 ** layers, checked when fitted.
    "conv_ae": {"window": [Interval(int, 2)], "onset_window": _ONSET_WINDOW},
    "stacking": {"combination": [Options(("stacking",))]},
    "stl": {"seasonal_window": [Options(("periodic",)), Interval(int, 7)]},
}

_ANNOTATIONS = {
    "int": Interval(int),
    "float": Interval(float),
    "bool": BOOLEAN,
    "str": STRING,
    "None": None,
}


def _from_annotation(annotation: object) -> list[Any] | None:
    """Constraints read off a simple annotation such as ``"int | None"``; None if not simple."""
    if not isinstance(annotation, str):
        return None
    constraints = []
    for part in annotation.split("|"):
        token = part.strip()
        if token not in _ANNOTATIONS:
            return None  # a type the checker does not know accepts anything
        constraints.append(_ANNOTATIONS[token])
    return constraints


def parameter_constraints(
    owner: type | None, registry_name: str = "", parameters: Sequence[Parameter] | None = None
) -> dict[str, list[Any] | None]:
    """Constraints of each keyword-only parameter of ``owner``'s constructor.

    ``parameters`` may be given instead of ``owner`` (see
    :func:`detector_parameters`). ``None`` for a parameter means any value is
    accepted here (the detector still checks it when fitted).
    """
    declared = getattr(owner, "_parameter_constraints", {}) or {}
    special = DETECTOR_CONSTRAINTS.get(registry_name, {})
    result: dict[str, list[Any] | None] = {}
    for parameter in parameters if parameters is not None else constructor_parameters(owner):
        name = parameter.name
        annotated = _from_annotation(parameter.annotation)
        for table in (declared, special, CONSTRAINTS):
            if name in table:
                constraints = table[name]
                break
        else:
            constraints = None
        if constraints is None:
            result[name] = annotated
            continue
        if not constraints:  # declared empty: any value
            result[name] = None
            continue
        constraints = list(constraints)
        # "int | None" with a declared range: the range, or None.
        nullable = parameter.default is None or (annotated is not None and None in annotated)
        if nullable and not any(_accepts(c, None) for c in constraints):
            constraints.append(None)
        result[name] = constraints
    return result


def _accepts(constraint: Any, value: object) -> bool:
    return value is None if constraint is None else constraint.accepts(value)


def describe_constraints(constraints: Sequence[Any] | None) -> str:
    """Human wording of a list of alternatives, e.g. "'auto', None or an integer >= 2"."""
    if not constraints:
        return "any value"
    if len(constraints) == 1 and isinstance(constraints[0], Options):
        return f"one of {constraints[0].describe()}"
    words = ["None" if c is None else c.describe() for c in constraints]
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} or {words[-1]}"


def check_value(name: str, value: object, constraints: Sequence[Any] | None) -> None:
    """Raise ``ConfigError`` unless ``value`` meets one of ``constraints``."""
    if not constraints or any(_accepts(c, value) for c in constraints):
        return
    raise ConfigError(f"`{name}` must be {describe_constraints(constraints)}, got {value!r}")


def check_params(
    owner: type | None,
    params: Mapping[str, Any],
    *,
    what: str,
    registry_name: str = "",
    parameters: Sequence[Parameter] | None = None,
) -> None:
    """Check names and values of constructor ``params`` of ``owner`` (a class).

    Raises
    ------
    ConfigError
        "``what``: no parameter `n_trees`; did you mean `n_estimators`? ..."
        or "``what``: `window` must be an integer >= 2, got 1".
    """
    constraints = parameter_constraints(owner, registry_name, parameters)
    for name, value in params.items():
        if name not in constraints:
            raise ConfigError(
                f"{what} has no parameter `{name}`{did_you_mean(name, constraints)}; "
                f"valid parameters: {', '.join(constraints) or 'none'}"
            )
        try:
            check_value(name, value, constraints[name])
        except ConfigError as error:
            raise ConfigError(f"{what}: {error}") from None


def check_detector_name(name: object) -> None:
    """Raise ``ConfigError`` for a detector name the registry does not hold."""
    from anomalia.detectors.registry import DETECTORS

    if name not in DETECTORS:
        raise ConfigError(
            f"unknown detector `{name}`{did_you_mean(name, DETECTORS)}; "
            f"choose one of: {', '.join(sorted(DETECTORS))}"
        )


def check_detector_params(name: str, params: Mapping[str, Any]) -> None:
    """Check a detector name and its parameters without data or fitting.

    Raises
    ------
    ConfigError
        Naming the detector, the parameter, the expectation and the value.
    """
    check_detector_name(name)
    if not isinstance(params, Mapping):
        raise ConfigError(
            f"detector `{name}`: parameters must be a mapping of names to values, "
            f"got {type(params).__name__}"
        )
    owner, parameters = detector_parameters(name)
    check_params(
        owner, params, what=f"detector `{name}`", registry_name=name, parameters=parameters
    )


def check_threshold_spec(spec: object) -> None:
    """Check a threshold spec (method, parameter names and values) without data.

    Raises
    ------
    ConfigError
        With "did you mean" for a misspelt method or parameter name.
    """
    from anomalia.thresholds.registry import THRESHOLDS, get_threshold_class, make_threshold

    if isinstance(spec, str):
        spec = {"method": spec}
    if not isinstance(spec, Mapping) or "method" not in spec:
        raise ConfigError(
            "a threshold spec must be a method name or a mapping with a `method` key "
            f"({', '.join(sorted(THRESHOLDS))}), got {spec!r}"
        )
    method = spec["method"]
    if method not in THRESHOLDS:
        raise ConfigError(
            f"unknown threshold method `{method}`{did_you_mean(method, THRESHOLDS)}; "
            f"choose one of: {', '.join(sorted(THRESHOLDS))}"
        )
    params = {key: value for key, value in spec.items() if key != "method"}
    check_params(get_threshold_class(method), params, what=f"threshold `{method}`")
    try:
        make_threshold(dict(spec))  # the threshold's own checks across parameters
    except ConfigError as error:
        raise ConfigError(f"threshold `{method}`: {error}") from None


def parameter_table(name: str) -> list[tuple[str, str, str]]:
    """(parameter, default, allowed values) for each parameter of detector ``name``."""
    from anomalia.detectors.registry import get_detector_class

    check_detector_name(name)
    owner = get_detector_class(name)
    defaults = {p.name: p.default for p in constructor_parameters(owner)}
    return [
        (param, repr(defaults[param]), describe_constraints(allowed))
        for param, allowed in parameter_constraints(owner, name).items()
    ]
