"""Forms of the pilot screens; field lists come from programme.annex2 / programme.annex3."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import annex2, annex3
from .models import OrgUnit, OrgUnitLevel, PilotFiling, PilotStatistics

if TYPE_CHECKING:
    from portal.models import User


class PilotStatisticsForm(forms.ModelForm):
    """Annex 3. Model validation (PilotStatistics.clean and the DB constraints) gives the messages."""

    class Meta:
        model = PilotStatistics
        fields = annex3.all_fields()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("min", "0")
            if name in annex3.percent_fields():
                field.widget.attrs["max"] = "100"
                field.widget.attrs["step"] = "0.01"
            field.widget.attrs["data-field"] = name

    def groups(self) -> list[dict[str, Any]]:
        """Fields grouped as in the annex, for the template."""
        def bound(name: str) -> forms.BoundField:
            return self[name]

        table1 = [{"label": s.header, "fields": [("", bound(s.key))]} for s in annex3.TABLE1_SINGLES]
        pairs = [{"label": f"{p.header} · {p.sub_label}" if p.sub_label else p.header,
                  "fields": [(annex3.BEFORE, bound(p.before)), (annex3.AFTER, bound(p.after))],
                  "unit": "万元" if p.kind == "amount" else "%"} for p in annex3.ALL_PAIRS]
        table2 = []
        for col in annex3.TABLE2_COLUMNS:
            if isinstance(col, annex3.Leveled):
                table2.append({"label": col.header,
                               "fields": [(lvl, bound(f"{col.key}_{suffix}")) for suffix, lvl in col.levels]})
            else:
                table2.append({"label": col.header, "fields": [("", bound(col.key))]})
        return [
            {"title": _("表一 · 基本情况"), "rows": table1},
            {"title": _("表一 · 提升前／提升后"), "rows": pairs},
            {"title": _("表二 · 成效与投入"), "rows": table2},
        ]


class PilotReportForm(forms.ModelForm):
    """Annex 2: one text area per leaf of the outline."""

    class Meta:
        model = PilotFiling
        fields = annex2.leaf_keys()
        widgets = {key: forms.Textarea(attrs={"rows": 4}) for key in annex2.leaf_keys()}

    def sections(self) -> list[dict[str, Any]]:
        return [{"section": s, "leaves": [(leaf, self[leaf.key]) for leaf in s.leaves()]} for s in annex2.OUTLINE]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("通过")), ("return", _("退回修改"))])
    comment = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AttachmentForm(forms.Form):
    section = forms.ChoiceField(label=_("所属章节"), choices=[(s.key, s.title) for s in annex2.OUTLINE])
    file = forms.FileField(label=_("文件"))


class ExportForm(forms.Form):
    FORMATS = [("xlsx", _("统计表 Excel（附件3官方格式）")), ("pdf", _("统计表及自评报告 PDF（附件3、附件2）"))]
    year = forms.IntegerField(label=_("年度"), min_value=2020)
    province = forms.ModelChoiceField(label=_("省份"), queryset=OrgUnit.objects.none(), required=False,
                                      to_field_name="code", empty_label=_("全部（可见范围）"))
    format = forms.ChoiceField(label=_("格式"), choices=FORMATS)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = OrgUnit.objects.visible_to(user).filter(  # type: ignore[attr-defined]
            level=OrgUnitLevel.PROVINCE).order_by("code")
