"""Forms of the targets room: they read and check what was typed; the services write."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programme.models import OrgUnit, OrgUnitLevel, ProgrammeYear
from reporting.indicators import Source, catalogue

from .models import FIRST_PROGRAMME_YEAR, LAST_PLAN_YEAR, Counting


def indicator_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The catalogue grouped by source, for a select with option groups."""
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for ind in catalogue():
        groups[str(Source(ind.source).label)].append((ind.key, f"{ind.name}（{ind.unit}）"))
    return list(groups.items())


class TargetForm(forms.Form):
    indicator = forms.ChoiceField(label=_("指标"), error_messages={
        "required": _("请选择指标。"), "invalid_choice": _("未知的指标：%(value)s。")})
    first_year = forms.IntegerField(label=_("起始年度"), min_value=FIRST_PROGRAMME_YEAR, max_value=LAST_PLAN_YEAR,
                                    error_messages={"invalid": _("起始年度应为年份，例如 2025。"),
                                                    "required": _("请填写起始年度。")})
    last_year = forms.IntegerField(label=_("截止年度"), min_value=FIRST_PROGRAMME_YEAR, max_value=LAST_PLAN_YEAR,
                                   error_messages={"invalid": _("截止年度应为年份，例如 2027。"),
                                                   "required": _("请填写截止年度。")})
    # A text box (not type=number) so that whatever was typed reaches the server and gets its message.
    value = forms.DecimalField(label=_("目标值"), max_digits=16, decimal_places=2, localize=False,
                               widget=forms.TextInput(attrs={"inputmode": "decimal", "style": "width:12em"}),
                               help_text=_("按指标的单位填写数字：家、场、人次、个填个数，百分比填 90 表示 90%。"),
                               error_messages={"invalid": _("目标值应为数字，例如 50000 或 90。"),
                                               "required": _("请填写目标值。"),
                                               "max_digits": _("目标值过大。"),
                                               "max_decimal_places": _("目标值最多保留两位小数。"),
                                               "max_whole_digits": _("目标值过大。")})
    counting = forms.ChoiceField(label=_("计算方式"), choices=Counting.choices, initial=Counting.CUMULATIVE,
                                 help_text=_("期间累计：起止年度合计（去重计数的指标在整个期间去重）；每年：每个年度都"
                                             "应达到；达到并保持：最近一年的数值应达到（如满意度）。"))
    note = forms.CharField(label=_("说明"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [("", "——"), *indicator_choices()]  # type: ignore[attr-defined]
        for name in ("first_year", "last_year"):
            self.fields[name].widget.attrs.update({"style": "width:8em"})

    def clean_value(self) -> Decimal:
        value: Decimal = self.cleaned_data["value"]
        if value <= 0:
            raise forms.ValidationError(_("目标值应大于0。"))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first_year"), data.get("last_year")
        if first is not None and last is not None and last < first:
            self.add_error("last_year", _("截止年度（%(last)s年）不能早于起始年度（%(first)s年）。")
                           % {"last": last, "first": first})
        return data


class ChainProblemForm(forms.Form):
    province = forms.ModelChoiceField(label=_("省份"), queryset=OrgUnit.objects.none(), error_messages={
        "required": _("请选择省份。"), "invalid_choice": _("只能为本单位可登记的省份登记。")})
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, error_messages={
        "required": _("请选择年度。"), "invalid_choice": _("没有这个行动年度：%(value)s。")})
    industry_chain = forms.CharField(label=_("产业链"), max_length=64,
                                     error_messages={"required": _("请填写产业链名称。")})
    title = forms.CharField(label=_("质量管理难题"), max_length=200, error_messages={"required": _("请填写难题。")})
    measures = forms.CharField(label=_("采取的措施和成效"), widget=forms.Textarea(attrs={"rows": 3}),
                               error_messages={"required": _("请填写采取的措施和成效。")})
    solved_on = forms.DateField(label=_("解决日期"), widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"required": _("请填写解决日期。"),
                                                "invalid": _("解决日期应为日期，例如 2026-06-30。")})

    def __init__(self, *args: Any, provinces: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        province_field: Any = self.fields["province"]
        province_field.queryset = provinces.filter(level=OrgUnitLevel.PROVINCE).order_by("code")
        if province_field.queryset.count() == 1:
            province_field.initial = province_field.queryset.first()
        this_year = timezone.localdate().year
        years = ProgrammeYear.objects.filter(year__lte=this_year).order_by("-year").values_list("year", flat=True)
        year_field: Any = self.fields["year"]
        year_field.choices = [(y, str(y)) for y in years]
        year_field.initial = this_year
