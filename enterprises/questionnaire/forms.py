from __future__ import annotations

from itertools import groupby
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.widgets import renderer

from ..registry.uscc import validate_uscc
from .models import Question, QuestionKind, QuestionnaireVersion, Section


class ActivationForm(forms.Form):
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18, min_length=18,
                           widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "characters"}))
    code = forms.CharField(label=_("激活码"), max_length=20,
                           help_text=_("区县市场监管局或认证机构发放的激活码，例如 ABCD-EFGH-JKLM"))
    full_name = forms.CharField(label=_("联系人姓名"), max_length=60, required=False)
    email = forms.EmailField(label=_("联系邮箱"), required=False, help_text=_("用于接收填报提醒，选填"))
    password1 = forms.CharField(label=_("设置密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=_("至少10位，须同时包含字母和数字。"))
    password2 = forms.CharField(label=_("确认密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_uscc(self) -> str:
        value = self.cleaned_data["uscc"].strip().upper()
        validate_uscc(value)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("重新开放理由"), max_length=200)
    days = forms.IntegerField(label=_("开放天数"), min_value=1, max_value=60, initial=14)


def _choice_widget(q: Question) -> forms.Widget:
    return forms.RadioSelect(attrs={"class": "choices"})


def build_fields(q: Question) -> dict[str, forms.Field]:
    """Form fields of one question. Nothing is required at form level: drafts may be partial; the
    service checks required answers on submit and reports them per field."""
    common: dict[str, Any] = {"required": False, "help_text": q.help_text}
    if q.kind == QuestionKind.PAIR:
        attrs = {"inputmode": "decimal", "step": "any"}
        if q.min_value is not None:
            attrs["min"] = str(q.min_value)
        if q.max_value is not None:
            attrs["max"] = str(q.max_value)
        return {
            f"{q.key}__before": forms.DecimalField(label=_("提升前"), required=False,
                                                   widget=forms.NumberInput(attrs=attrs)),
            f"{q.key}__after": forms.DecimalField(label=_("提升后"), required=False,
                                                  widget=forms.NumberInput(attrs=attrs)),
        }
    if q.kind == QuestionKind.MATURITY_PAIR:
        choices = [("", "——"), *q.choice_list()]
        return {
            f"{q.key}__before": forms.ChoiceField(label=_("提升前"), choices=choices, required=False),
            f"{q.key}__after": forms.ChoiceField(label=_("提升后"), choices=choices, required=False),
        }
    if q.kind == QuestionKind.NUMBER:
        return {q.key: forms.DecimalField(label=q.label, widget=forms.NumberInput(attrs={"step": "any"}), **common)}
    if q.kind == QuestionKind.TEXT:
        return {q.key: forms.CharField(label=q.label, widget=forms.Textarea(attrs={"rows": 4}), **common)}
    return {q.key: forms.ChoiceField(label=q.label, choices=q.choice_list(), widget=_choice_widget(q), **common)}


class QuestionnaireForm(forms.Form):
    """The year's questions as a form; ``answers()`` gives the JSON the service stores."""

    default_renderer = renderer  # some 280 widgets: written in Python, same markup as the templates

    def __init__(self, *args: Any, version: QuestionnaireVersion, disabled: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = version
        self.questions = list(version.questions.all())
        for q in self.questions:
            for name, field in build_fields(q).items():
                field.disabled = disabled
                self.fields[name] = field

    @staticmethod
    def initial_from(questions: list[Question], answers: dict[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for q in questions:
            value = answers.get(q.key)
            if q.is_pair and isinstance(value, dict):
                initial[f"{q.key}__before"] = value.get("before")
                initial[f"{q.key}__after"] = value.get("after")
            elif value is not None:
                initial[q.key] = value
        return initial

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        result: dict[str, Any] = {}
        for q in self.questions:
            if q.is_pair:
                pair = {side: data.get(f"{q.key}__{side}") for side in ("before", "after")}
                pair = {k: (str(v) if v not in (None, "") else None) for k, v in pair.items()}
                if any(v is not None for v in pair.values()):
                    result[q.key] = pair
            else:
                value = data.get(q.key)
                if value not in (None, ""):
                    result[q.key] = str(value)
        return result

    def sections(self) -> list[dict[str, Any]]:
        """Questions grouped by section, each with its bound fields, for the template."""
        labels = dict(Section.choices)
        ordered = sorted(self.questions, key=lambda q: (list(labels).index(q.section), q.order, q.pk or 0))
        result = []
        for section, items in groupby(ordered, key=lambda q: q.section):
            rows = []
            for q in items:
                names = [f"{q.key}__before", f"{q.key}__after"] if q.is_pair else [q.key]
                rows.append({"question": q, "fields": [self[name] for name in names]})
            result.append({"key": section, "label": labels[section], "rows": rows})
        return result
