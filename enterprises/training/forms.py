from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from programme.models import OrgUnit, OrgUnitLevel

from ..models import TrainingRecord


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
