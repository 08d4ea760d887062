from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from programme.models import OrgUnit, OrgUnitLevel

from ..intake.common import year_choices
from ..models import TrainingRecord
from .columns import MAX_ROWS


class TrainingRecordForm(forms.ModelForm):
    district_code = forms.CharField(label=_("培训所在区县代码"), max_length=6)

    class Meta:
        model = TrainingRecord
        fields = ["programme_year", "held_on", "organiser", "topic", "delivery", "enterprise_count", "person_count"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"})}

    def clean_district_code(self) -> OrgUnit:
        code = self.cleaned_data["district_code"].strip()
        unit = OrgUnit.objects.filter(code=code, level=OrgUnitLevel.DISTRICT).first()
        if unit is None:
            raise forms.ValidationError(_("区县代码“%(code)s”不存在或不是县级行政区划。"), params={"code": code})
        return unit

    def service_fields(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["district"] = self.cleaned_data["district_code"]
        return data


class TrainingUploadForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("年度"), coerce=int, choices=year_choices)
    file = forms.FileField(
        label=gettext_lazy("培训台账文件（.xlsx、.xls、.ods、.csv 或 Unicode文本）"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Formatted per request, in the user's language (a lazy string formatted at import would be frozen).
        self.fields["file"].help_text = _(
            "使用本页的模板填写；CSV可为UTF-8（含或不含BOM）或GB18030编码。每个文件最多%(n)d行；"
            "任何一行有误则全部不保存，请按错误列表修改后重新上传。"
        ) % {"n": MAX_ROWS}
