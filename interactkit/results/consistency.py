"""Whether attribution methods agree on the main effects of many instances.

:class:`Consistency` is what :func:`interactkit.attribution_consistency` returns: per feature,
the mean ``|attribution|`` of each method, the share of instances on which the methods agree on
its sign, and whether it counts as *consistent* (the rule is stated in :attr:`Consistency.rule`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from interactkit._utils import jsonio
from interactkit.results.saved import Saved

__all__ = ["Consistency", "FeatureConsistency"]


@dataclass(frozen=True)
class FeatureConsistency:
    """One feature's agreement across methods.

    Attributes:
        feature: its name.
        mean_abs: per method, the mean ``|attribution|`` over the instances.
        sign_agreement: share of instances on which every method to which the feature matters
            gives it the same sign.
        consistent: the verdict of :attr:`Consistency.rule`.
    """

    feature: str
    mean_abs: dict[str, float]
    sign_agreement: float
    consistent: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "mean_abs": dict(self.mean_abs),
            "sign_agreement": self.sign_agreement,
            "consistent": self.consistent,
        }

    @classmethod
    def from_dict(cls, data: Any) -> FeatureConsistency:
        data = jsonio.mapping(data, "feature consistency")
        return cls(
            feature=str(data["feature"]),
            mean_abs={
                str(m): jsonio.number(v, "mean_abs")
                for m, v in jsonio.mapping(data.get("mean_abs"), "mean_abs").items()
            },
            sign_agreement=jsonio.number(data["sign_agreement"], "sign_agreement"),
            consistent=bool(data["consistent"]),
        )


@dataclass
class Consistency(Saved):
    """Do attribution methods agree on the main effects of these instances?

    Attributes:
        methods: the attribution methods compared.
        instances: how many instances were attributed.
        k: the top-``k`` used by the rule and the agreement.
        top_k_agreement: mean pairwise top-``k`` agreement of the methods' rankings, over the
            instances.
        top1_all_agree: share of instances on which all methods rank the same feature first.
        rank_correlation: mean pairwise rank correlation (None when undefined).
        features: one :class:`FeatureConsistency` per feature.
        rule: when a feature counts as consistent, in words.
    """

    FORMAT: ClassVar[str] = "interactkit.Consistency"
    FORMAT_VERSION: ClassVar[int] = 1

    methods: list[str]
    instances: int
    k: int
    top_k_agreement: float
    top1_all_agree: float
    rank_correlation: float | None
    features: list[FeatureConsistency] = field(default_factory=list)
    rule: str = ""

    @property
    def inconsistent(self) -> list[str]:
        """Names of the features that are not consistent, in feature order."""
        return [f.feature for f in self.features if not f.consistent]

    def to_dict(self) -> dict[str, Any]:
        return jsonio.jsonable(
            {
                "format": self.FORMAT,
                "version": self.FORMAT_VERSION,
                "methods": list(self.methods),
                "instances": self.instances,
                "k": self.k,
                "top_k_agreement": self.top_k_agreement,
                "top1_all_agree": self.top1_all_agree,
                "rank_correlation": self.rank_correlation,
                "features": [f.to_dict() for f in self.features],
                "rule": self.rule,
            }
        )

    @classmethod
    def _build(cls, data: dict[str, Any]) -> Consistency:
        return cls(
            methods=jsonio.strings(data["methods"], "methods"),
            instances=jsonio.integer(data["instances"], "instances"),
            k=jsonio.integer(data["k"], "k"),
            top_k_agreement=jsonio.number(data["top_k_agreement"], "top_k_agreement"),
            top1_all_agree=jsonio.number(data["top1_all_agree"], "top1_all_agree"),
            rank_correlation=jsonio.opt_number(data.get("rank_correlation"), "rank_correlation"),
            features=[
                FeatureConsistency.from_dict(f)
                for f in jsonio.sequence(data["features"], "features")
            ],
            rule=str(data.get("rule", "")),
        )
