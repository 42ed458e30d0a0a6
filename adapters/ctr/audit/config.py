"""Every setting of an ad-model audit, declared once: :class:`AuditConfig`.

The config is typed, frozen and nested per step -- how the model is read (:class:`ModelConfig`),
the local detector (:class:`DetectorConfig`), GLIDER (:class:`GliderConfig`), its replication
(:class:`ReplicationConfig`), the crossing experiment (:class:`TargetsConfig`) and the further
findings (:class:`FindingsConfig`). Each field's default and allowed range are declared here
once (:func:`setting`); the CLI builds its options from them (their types check the ranges while
the command line is parsed) and the config checks them again when built from Python.
``audit.json`` stores :meth:`AuditConfig.to_dict`; :meth:`AuditConfig.from_dict` reads it back.

Example::

    from interactkit.adapters.ctr import AuditConfig, audit
    config = AuditConfig(seed=1).replace(glider={"instances": 500}, targets={"models": ("deepfm",)})
    result = audit(model, data, config)
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, TypeVar

from interactkit import DETECTORS, MADEX, Detector, glider_detector
from interactkit.adapters.ctr.explain.baselines import BASELINES, DEFAULT_N_BACKGROUND
from interactkit.adapters.ctr.explain.outputs import OUTPUTS
from interactkit.adapters.ctr.targets.configs import CONFIG_NAMES, MODEL_NAMES
from interactkit.adapters.ctr.targets.model_files import INPUT_KINDS
from interactkit.adapters.ctr.targets.source import SOURCE_KINDS

__all__ = [
    "TARGETS",
    "AuditConfig",
    "DetectorConfig",
    "FindingsConfig",
    "GliderConfig",
    "ModelConfig",
    "ReplicationConfig",
    "TargetsConfig",
    "setting",
]

TARGETS = ("wdl", "deepfm", "dcn")
"""The default targets: one per family (wide & deep, factorization machine, cross network).
xDeepFM and AutoInt (``MODEL_NAMES`` has all five) each train two to three times longer on a
CPU."""


StepT = TypeVar("StepT", bound="_Step")


def setting(
    default: Any,
    doc: str,
    *,
    low: int | None = None,
    choices: tuple[Any, ...] | None = None,
    optional: bool = False,
) -> Any:
    """A config field: its default, one line of help, and what it accepts (an integer ``>= low``
    and/or one of ``choices``; ``optional``: None too). The CLI reads the same metadata."""
    meta = {"doc": doc, "low": low, "choices": choices, "optional": optional}
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


class ConfigError(ValueError):
    """A setting out of range; ``path`` names it (``"glider.instances"``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class _Step:
    """A frozen group of settings, checked against their :func:`setting` metadata."""

    SECTION: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, list):  # lists from JSON or callers: frozen as tuples
                value = tuple(value)
                object.__setattr__(self, f.name, value)
            _check(f"{self.SECTION}.{f.name}", value, f.metadata)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls: type[StepT], data: Mapping[str, Any] | None) -> StepT:
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(
                cls.SECTION, f"unknown setting(s) {unknown}; the settings are {sorted(known)}"
            )
        return cls(**data)


def _check(path: str, value: Any, meta: Mapping[str, Any]) -> None:
    if not meta:
        return
    if value is None:
        if not meta.get("optional"):
            raise ConfigError(path, "must be given (None is not allowed)")
        return
    low, choices = meta.get("low"), meta.get("choices")
    items = value if isinstance(value, tuple) else (value,)  # a tuple: each item is checked
    for item in items:
        if low is not None:
            if isinstance(item, bool) or not isinstance(item, int):
                raise ConfigError(path, f"must be an integer, got {item!r}")
            if item < low:
                raise ConfigError(path, f"must be an integer >= {low}, got {item!r}")
        if choices is not None and item not in choices:
            raise ConfigError(path, f"must be one of {list(choices)}, got {item!r}")


def _takes_samples(method: str) -> bool:
    """Whether the detector draws a number of perturbations (has ``n_samples``)."""
    return "n_samples" in inspect.signature(DETECTORS[method].__init__).parameters


def _flat(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"glider": {"k": 20}}`` -> ``{"glider.k": 20}`` (step settings only, not their dicts)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and not prefix:
            out.update(_flat(value, f"{path}."))
        else:
            out[path] = value
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class ModelConfig(_Step):
    """How the audited model is read, and the source model trained when none is given."""

    SECTION: ClassVar[str] = "model"

    inputs: str = setting("auto", "rows the model takes (auto: torch modules encoded rows, "
                          "anything else raw rows)", choices=INPUT_KINDS)  # fmt: skip
    output: str = setting("auto", "what the model returns (auto: guessed, with a warning, "
                          "when ambiguous)", choices=OUTPUTS)  # fmt: skip
    off: str = setting("background", "'off' for a raw-row model: background rows, the "
                       "training mode, or NaN", choices=BASELINES)  # fmt: skip
    n_background: int = setting(DEFAULT_N_BACKGROUND, "background rows per mask", low=1)
    source: str = setting("mlp", "source model to train when no model is given",
                          choices=SOURCE_KINDS)  # fmt: skip


@dataclass(frozen=True)
class DetectorConfig(_Step):
    """The local detector GLIDER counts with; the report's example impression uses the same."""

    SECTION: ClassVar[str] = "detector"

    method: str = setting("madex", "local detector", choices=tuple(DETECTORS))
    n_samples: int | None = setting(None, "most MADEX perturbations per impression (default: "
                                    "GLIDER's 2000; MADEX takes 150 per field up to this)",
                                    low=MADEX.MIN_SAMPLES, optional=True)  # fmt: skip
    # setting() gives a dict default its own factory: no mutable default is shared
    params: dict[str, Any] = setting(  # noqa: RUF009
        {}, "further detector parameters, e.g. {'hidden': [64, 32]}"
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "params", dict(self.params))
        if self.n_samples is not None and not _takes_samples(self.method):
            raise ConfigError("detector.n_samples", f"does not apply to {self.method}")
        try:
            self.build()
        except (TypeError, ValueError) as err:
            raise ConfigError("detector.params", str(err)) from None

    def build(self) -> Detector:
        """The detector object GLIDER and the example impression use (GLIDER's defaults,
        :func:`interactkit.glider_detector`, under the settings given here)."""
        given = dict(self.params)
        if self.n_samples is not None:
            given["n_samples"] = self.n_samples
        return glider_detector(self.method, **given)


@dataclass(frozen=True)
class GliderConfig(_Step):
    """GLIDER over the first validation impressions."""

    SECTION: ClassVar[str] = "glider"

    instances: int = setting(300, "validation impressions to explain (paper: 1000)", low=1)
    k: int = setting(20, "global interactions to select", low=1)
    segment_by: str | None = setting(None, "also select per value of this field, and test "
                                     "which segment differences hold", optional=True)  # fmt: skip
    replace_subsets: bool = setting(False, "the paper's selection rule (a selected superset "
                                    "removes its selected subsets)")  # fmt: skip


@dataclass(frozen=True)
class ReplicationConfig(_Step):
    """GLIDER's selection on disjoint halves of the impressions and other detector seeds."""

    SECTION: ClassVar[str] = "replication"

    enabled: bool = setting(True, "replicate GLIDER (halves x a second detector seed)")
    halves: int = setting(2, "disjoint parts of the impressions", low=2)
    seeds: tuple[int, ...] | None = setting(None, "detector seeds (default: the audit's seed "
                                            "and the next)", low=0, optional=True)  # fmt: skip

    def seeds_for(self, seed: int) -> list[int]:
        """The detector seeds to run, the audit's ``seed`` first."""
        extra = self.seeds if self.seeds is not None else (seed + 1,)
        return list(dict.fromkeys([seed, *extra]))


@dataclass(frozen=True)
class TargetsConfig(_Step):
    """The crossing experiment: targets as is, with the GLIDER crosses, with random crosses."""

    SECTION: ClassVar[str] = "targets"

    models: tuple[str, ...] = setting(TARGETS, "target models (none: no crossing)",
                                      choices=MODEL_NAMES)  # fmt: skip
    seeds: int = setting(2, "training seeds per target and variant", low=1)
    preset: str = setting("tuned", "the targets' preset (tuned: BARS-style settings, early "
                          "stopping)", choices=CONFIG_NAMES)  # fmt: skip
    max_epochs: int | None = setting(None, "epoch cap (default: the preset's, with early "
                                     "stopping)", low=1, optional=True)  # fmt: skip
    cross: int | None = setting(None, "how many of the k interactions to cross (default all)",
                                low=1, optional=True)  # fmt: skip
    jobs: int = setting(1, "trainings at once, in worker processes (the table does not depend "
                        "on it)", low=1)  # fmt: skip


@dataclass(frozen=True)
class FindingsConfig(_Step):
    """Findings beyond the top interactions."""

    SECTION: ClassVar[str] = "findings"

    pairs: int = setting(3, "top pairs whose click-probability grids are drawn (0: none)", low=0)
    pair_values: int = setting(5, "most frequent values per field in a grid", low=2)
    pair_rows: int = setting(200, "validation rows each grid cell averages over", low=1)
    consistency: bool = setting(True, "compare attribution methods' main effects")
    consistency_instances: int = setting(20, "impressions the attribution methods explain", low=1)
    compare_to: str | None = setting(None, "an earlier audit's folder: which interactions "
                                     "appeared, vanished, changed", optional=True)  # fmt: skip


_STEPS: dict[str, type[_Step]] = {
    "model": ModelConfig,
    "detector": DetectorConfig,
    "glider": GliderConfig,
    "replication": ReplicationConfig,
    "targets": TargetsConfig,
    "findings": FindingsConfig,
}


@dataclass(frozen=True)
class AuditConfig:
    """Every setting of :func:`~interactkit.adapters.ctr.audit`, one frozen object.

    Attributes:
        seed: seed of the data split, the source model, the background draw and GLIDER.
        model, detector, glider, replication, targets, findings: the steps' settings.
    """

    FORMAT_VERSION: ClassVar[int] = 1

    seed: int = setting(0, "seed of the split, the source model, the background and GLIDER", low=0)
    model: ModelConfig = field(default_factory=ModelConfig)
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    glider: GliderConfig = field(default_factory=GliderConfig)
    replication: ReplicationConfig = field(default_factory=ReplicationConfig)
    targets: TargetsConfig = field(default_factory=TargetsConfig)
    findings: FindingsConfig = field(default_factory=FindingsConfig)

    def __post_init__(self) -> None:
        _check("seed", self.seed, fields(self)[0].metadata)
        for name, cls in _STEPS.items():
            value = getattr(self, name)
            if isinstance(value, Mapping):  # a plain dict of that step's settings
                object.__setattr__(self, name, cls.from_dict(value))
            elif not isinstance(value, cls):
                raise ConfigError(name, f"must be a {cls.__name__}, got {type(value).__name__}")

    def replace(self, seed: int | None = None, **steps: Mapping[str, Any] | _Step) -> AuditConfig:
        """A copy with some settings changed: ``config.replace(glider={"k": 10})`` changes one
        setting of a step and keeps the others."""
        changes: dict[str, Any] = {} if seed is None else {"seed": seed}
        for name, value in steps.items():
            if name not in _STEPS:
                raise ConfigError(name, f"no such step; the steps are {list(_STEPS)}")
            current = getattr(self, name)
            if isinstance(value, _Step):
                changes[name] = value
            else:
                try:
                    changes[name] = dataclasses.replace(current, **dict(value))
                except TypeError as err:
                    raise ConfigError(name, str(err)) from None
        return dataclasses.replace(self, **changes)

    def quick(self) -> AuditConfig:
        """A small audit for a first look (``interactkit audit --quick``): a few impressions,
        at most 1000 perturbations each, one seed of two targets, two epochs."""
        targets = self.targets.models
        return self.replace(
            model={"n_background": min(self.model.n_background, 8)},
            detector={"n_samples": min(self.detector.n_samples or 1000, 1000)}
            if _takes_samples(self.detector.method)
            else {},
            glider={"instances": min(self.glider.instances, 24)},
            targets={
                "seeds": 1,
                "max_epochs": min(self.targets.max_epochs or 2, 2),
                "models": ("wdl", "deepfm") if targets == TARGETS else targets,
            },
            findings={
                "pair_rows": min(self.findings.pair_rows, 100),
                "consistency_instances": min(self.findings.consistency_instances, 8),
            },
        )

    def differences(self, other: AuditConfig) -> list[str]:
        """The settings (``"glider.instances"``, ``"seed"``) whose values differ from ``other``'s
        (``targets.jobs`` aside: it does not change a result)."""
        mine, theirs = _flat(self.to_dict()), _flat(other.to_dict())
        keys = sorted((set(mine) | set(theirs)) - {"version", "targets.jobs"})
        return [k for k in keys if mine.get(k) != theirs.get(k)]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able settings (what ``audit.json`` stores)."""
        return {
            "version": self.FORMAT_VERSION,
            "seed": self.seed,
            **{name: getattr(self, name).to_dict() for name in _STEPS},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditConfig:
        """Read back :meth:`to_dict`'s output.

        Raises:
            ConfigError: an unknown step or setting, or a value out of range.
        """
        data = dict(data)
        data.pop("version", None)
        unknown = sorted(set(data) - {"seed", *_STEPS})
        if unknown:
            raise ConfigError("config", f"unknown section(s) {unknown}")
        steps = {name: _STEPS[name].from_dict(data.get(name)) for name in _STEPS}
        return cls(seed=data.get("seed", 0), **steps)
