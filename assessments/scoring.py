"""The scoring rules of the annex-1 evaluation, as pure functions (no database).

Item raw scores are on a 0–100 scale; an item contributes ``weight × raw / 100`` points, so with weights
summing to 100 the total is out of 100.

Expert items (专家综合定性打分法)
    Each assigned expert gives the item a score between 0 and the item's scale maximum (default 100).
    Scores are combined robustly: with **five or more** experts the single highest and the single lowest
    score are dropped and the rest averaged (the trimmed mean used by judged competitions); with fewer,
    the plain mean. The result is rescaled to 0–100 (``mean / scale_max × 100``). An item nobody scored
    gets 0 and a note.

Questionnaire items (第三方问卷测评)
    Figures come from the questionnaire aggregates of each unit's enterprises and are mapped to scores with
    the efficacy coefficient method (功效系数法) across the units of the evaluation:
    ``score = 60 + 40 × (x − min) / (max − min)`` — the best unit 100, the weakest 60.
    *All equal* (max = min): every unit with a figure scores 100 (nobody is behind anybody; the indicator
    then does not separate units). *Missing figure* (no responses): 60, the floor of the method, with a
    note. 帮扶企业提升成效 averages its six result indicators' scores (equal weights, one per annex
    indicator); 帮扶企业满意度 scores the unit's mean satisfaction rate over the questionnaire's
    satisfaction questions.

Rounding
    Each item's points are rounded half-up to 0.01; area scores and the total are sums of the rounded item
    points, so printed columns add up exactly.

Ranking and tie-breaking
    Units are ordered by total (desc), then the questionnaire subtotal (desc — third-party measured
    results decide first), then the expert subtotal (desc). Units equal on all three share a rank
    (competition ranking 1, 2, 2, 4) and are listed by division code. Rank change = last year's rank −
    this year's rank (positive = moved up); units without last year's rank get none. "Most improved"
    (进步较大): the ``most_improved_top`` units with the largest positive rank change (ties: better current
    rank, then code). "Outstanding" (表现突出): rank ≤ ``outstanding_top``. Both flags need a complete
    evaluation: a unit with an expert item nobody scored gets neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

EFFICACY_FLOOR = 60.0
EFFICACY_SPAN = 40.0
TRIM_FROM = 5
CENT = Decimal("0.01")


def round2(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def robust_mean(scores: Sequence[float], *, trim_from: int = TRIM_FROM) -> float | None:
    """Mean of the experts' scores; drop one highest and one lowest when there are ``trim_from`` or more."""
    if not scores:
        return None
    ordered = sorted(float(s) for s in scores)
    if len(ordered) >= trim_from:
        ordered = ordered[1:-1]
    return sum(ordered) / len(ordered)


def efficacy_scores(values: Mapping[str, float | None]) -> dict[str, float]:
    """功效系数法 across units: 60 + 40 × (x − min)/(max − min); all equal → 100; missing → 60."""
    present = [float(v) for v in values.values() if v is not None]
    if not present:
        return {key: EFFICACY_FLOOR for key in values}
    low, high = min(present), max(present)
    out: dict[str, float] = {}
    for key, value in values.items():
        if value is None:
            out[key] = EFFICACY_FLOOR
        elif high == low:
            out[key] = EFFICACY_FLOOR + EFFICACY_SPAN
        else:
            out[key] = EFFICACY_FLOOR + EFFICACY_SPAN * (float(value) - low) / (high - low)
    return out


@dataclass(frozen=True)
class ItemSpec:
    code: str
    area: int
    method: str  # "expert" | "questionnaire"
    weight: Decimal
    scale_max: Decimal = Decimal(100)


@dataclass(frozen=True)
class UnitFigures:
    """The questionnaire figures the scoring needs for one unit (0–100 figures; None = no data)."""

    result_indicators: Mapping[str, float | None] = field(default_factory=dict)
    satisfaction: float | None = None


@dataclass
class UnitScore:
    code: str
    item_raw: dict[str, float] = field(default_factory=dict)
    item_points: dict[str, Decimal] = field(default_factory=dict)
    area_points: dict[int, Decimal] = field(default_factory=dict)
    expert_counts: dict[str, int] = field(default_factory=dict)
    expert_subtotal: Decimal = Decimal(0)
    questionnaire_subtotal: Decimal = Decimal(0)
    total: Decimal = Decimal(0)
    rank: int = 0
    previous_rank: int | None = None
    rank_change: int | None = None
    most_improved: bool = False
    outstanding: bool = False
    notes: list[str] = field(default_factory=list)


def questionnaire_raw_scores(
    figures: Mapping[str, UnitFigures], result_keys: Sequence[str]
) -> tuple[dict[str, float], dict[str, float]]:
    """Return (results item raw score, satisfaction item raw score) per unit code."""
    codes = list(figures)
    per_key = {
        key: efficacy_scores({code: figures[code].result_indicators.get(key) for code in codes})
        for key in result_keys
    }
    results = {
        code: (sum(per_key[key][code] for key in result_keys) / len(result_keys)) if result_keys else 0.0
        for code in codes
    }
    satisfaction = efficacy_scores({code: figures[code].satisfaction for code in codes})
    return results, satisfaction


def score_units(
    *,
    items: Sequence[ItemSpec],
    unit_codes: Sequence[str],
    expert_scores: Mapping[tuple[str, str], Sequence[float]],
    figures: Mapping[str, UnitFigures],
    result_keys: Sequence[str],
    results_item: str = "results",
    satisfaction_item: str = "satisfaction",
) -> dict[str, UnitScore]:
    """Score every unit: ``expert_scores[(unit_code, item_code)]`` are the raw expert scores."""
    full_figures = {code: figures.get(code, UnitFigures()) for code in unit_codes}
    results_raw, satisfaction_raw = questionnaire_raw_scores(full_figures, result_keys)
    out: dict[str, UnitScore] = {}
    for code in unit_codes:
        unit = UnitScore(code=code)
        fig = full_figures[code]
        for item in items:
            if item.method == "expert":
                given = expert_scores.get((code, item.code), [])
                unit.expert_counts[item.code] = len(given)
                mean = robust_mean(given)
                if mean is None:
                    raw = 0.0
                    unit.notes.append(f"{item.code}: no expert score")
                else:
                    raw = mean / float(item.scale_max) * 100
            elif item.code == results_item:
                raw = results_raw[code]
                if all(fig.result_indicators.get(k) is None for k in result_keys):
                    unit.notes.append(f"{item.code}: no questionnaire data")
            elif item.code == satisfaction_item:
                raw = satisfaction_raw[code]
                if fig.satisfaction is None:
                    unit.notes.append(f"{item.code}: no questionnaire data")
            else:
                raw = 0.0
            unit.item_raw[item.code] = raw
            points = round2(float(item.weight) * raw / 100)
            unit.item_points[item.code] = points
            unit.area_points[item.area] = unit.area_points.get(item.area, Decimal(0)) + points
            if item.method == "expert":
                unit.expert_subtotal += points
            else:
                unit.questionnaire_subtotal += points
        unit.total = sum(unit.item_points.values(), Decimal(0))
        out[code] = unit
    return out


def rank_key(unit: UnitScore) -> tuple[Decimal, Decimal, Decimal]:
    return (unit.total, unit.questionnaire_subtotal, unit.expert_subtotal)


def assign_ranks(units: Iterable[UnitScore]) -> list[UnitScore]:
    """Order and rank the units (competition ranking on the tie-break key; listed by code within a tie)."""
    ordered = sorted(units, key=lambda u: (tuple(-v for v in rank_key(u)), u.code))
    previous_key = None
    for position, unit in enumerate(ordered, start=1):
        key = rank_key(unit)
        if key != previous_key:
            unit.rank = position
            previous_key = key
        else:
            unit.rank = ordered[position - 2].rank
    return ordered


def is_complete(unit: UnitScore) -> bool:
    """Every expert item has at least one expert score (flags are only given on a complete evaluation)."""
    return all(n > 0 for n in unit.expert_counts.values())


def apply_flags(
    ranked: Sequence[UnitScore],
    *,
    previous_ranks: Mapping[str, int],
    outstanding_top: int,
    most_improved_top: int,
) -> None:
    for unit in ranked:
        unit.previous_rank = previous_ranks.get(unit.code)
        unit.rank_change = None if unit.previous_rank is None else unit.previous_rank - unit.rank
        unit.outstanding = unit.rank <= outstanding_top and is_complete(unit)
        unit.most_improved = False
    risers = sorted(
        (u for u in ranked if u.rank_change is not None and u.rank_change > 0 and is_complete(u)),
        key=lambda u: (-(u.rank_change or 0), u.rank, u.code),
    )
    for unit in risers[:most_improved_top]:
        unit.most_improved = True
