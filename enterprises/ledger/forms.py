from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..intake.common import year_choices


class LedgerUploadForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, choices=year_choices)
    file = forms.FileField(label=_("台账文件（.xlsx、.xls、.ods、.csv 或 Unicode文本）"))
