from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FIGURE_FIELDS, MONEY_FIGURES, IndicatorItem, SelfAssessment


class WeightsForm(forms.Form):
    """One weight (points) and one expert scale per item of the scheme."""

    def __init__(self, *args: Any, items: list[IndicatorItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"weight_{item.code}"] = forms.DecimalField(
                label=_("%(item)s 分值") % {"item": item.name}, min_value=0, max_value=100, decimal_places=2,
                initial=item.weight)
            self.fields[f"scale_{item.code}"] = forms.DecimalField(
                label=_("%(item)s 评分满分") % {"item": item.name}, min_value=1, max_value=1000, decimal_places=1,
                initial=item.scale_max, required=item.method == "expert")

    def weights(self) -> dict[str, Any]:
        return {i.code: self.cleaned_data[f"weight_{i.code}"] for i in self.items}

    def scales(self) -> dict[str, Any]:
        return {i.code: self.cleaned_data.get(f"scale_{i.code}") or i.scale_max for i in self.items}


class SelfAssessmentForm(forms.Form):
    summary = forms.CharField(label=_("总体情况"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, instance: SelfAssessment, items: list[IndicatorItem],
                 narratives: dict[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        self.fields["summary"].initial = instance.summary
        for name, label, unit in FIGURE_FIELDS:
            field_cls = forms.DecimalField if name in MONEY_FIGURES else forms.IntegerField
            self.fields[f"fig_{name}"] = field_cls(label=f"{label}（{unit}）", min_value=0, required=False,
                                                   initial=getattr(instance, name))
        for item in items:
            self.fields[f"narrative_{item.pk}"] = forms.CharField(
                label=f"{item.area.name}·{item.name}", required=False, initial=narratives.get(item.pk, ""),
                widget=forms.Textarea(attrs={"rows": 3}))

    def figure_fields(self) -> list[Any]:
        return [self[f"fig_{name}"] for name, _l, _u in FIGURE_FIELDS]

    def narrative_fields(self) -> list[Any]:
        return [self[f"narrative_{item.pk}"] for item in self.items]

    def figures(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(f"fig_{name}") or 0 for name, _l, _u in FIGURE_FIELDS}

    def narratives(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data.get(f"narrative_{item.pk}", "") for item in self.items}


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("佐证材料（PDF、图片或 Office 文件，不超过 20 MB）"))
    item = forms.ModelChoiceField(label=_("对应考核项目"), queryset=IndicatorItem.objects.none(), required=False)

    def __init__(self, *args: Any, items: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if items is not None:
            self.fields["item"].queryset = items  # type: ignore[attr-defined]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("审核结论"), choices=[("accept", _("通过")), ("return", _("退回修改"))])
    comment = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CaseForm(forms.Form):
    title = forms.CharField(label=_("案例名称"), max_length=200)
    summary = forms.CharField(label=_("案例简介"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CourseForm(forms.Form):
    title = forms.CharField(label=_("课程名称"), max_length=200)
    summary = forms.CharField(label=_("课程简介"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ScoreForm(forms.Form):
    def __init__(self, *args: Any, items: list[IndicatorItem], existing: dict[int, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            current = existing.get(item.pk)
            self.fields[f"score_{item.pk}"] = forms.DecimalField(
                label=_("%(item)s 得分（0–%(max)s）") % {"item": item.name, "max": f"{item.scale_max.normalize():f}"},
                min_value=0, max_value=item.scale_max, decimal_places=1,
                initial=current.score if current else None)
            self.fields[f"comment_{item.pk}"] = forms.CharField(
                label=_("%(item)s 评语") % {"item": item.name}, initial=current.comment if current else "",
                widget=forms.Textarea(attrs={"rows": 2}))

    def rows(self) -> list[tuple[IndicatorItem, Any, Any]]:
        return [(i, self[f"score_{i.pk}"], self[f"comment_{i.pk}"]) for i in self.items]
