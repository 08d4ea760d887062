from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SettleForm(forms.Form):
    decision = forms.ChoiceField(label=_("处理"), choices=[("accept", _("采纳填报值")), ("reject", _("保留登记值"))])
    note = forms.CharField(label=_("说明"), max_length=255, required=False)
