"""The Python widget renderer writes exactly what Django's widget templates write."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from enterprises.questionnaire.forms import QuestionnaireForm
from portal.widgets import PythonWidgetRenderer
from tests.questionnaire.factories import YEAR, version

pytestmark = pytest.mark.django_db

TEMPLATES = DjangoTemplates()
PYTHON = PythonWidgetRenderer()


def _fields(form: forms.Form) -> dict[str, str]:
    return {name: str(form[name]) for name in form.fields}


class Everything(forms.Form):
    text = forms.CharField(max_length=5, widget=forms.TextInput(attrs={"placeholder": 'a "quoted" <b>'}))
    number = forms.DecimalField(widget=forms.NumberInput(attrs={"step": "any", "min": "0"}))
    email = forms.EmailField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    pick = forms.ChoiceField(choices=[("", "——"), ("a", "甲 & <乙>"), ("b", "B")])
    radio = forms.ChoiceField(choices=[("x", "X"), ("y", "Y")], widget=forms.RadioSelect(attrs={"class": "choices"}))
    groups = forms.ChoiceField(choices=[("G1", [("1", "one"), ("2", "two")]), ("3", "three")])
    radio_groups = forms.ChoiceField(choices=[("G1", [("1", "one")]), ("3", "three")], widget=forms.RadioSelect)
    boxes = forms.MultipleChoiceField(choices=[(1, 1000), (2, "two")], widget=forms.CheckboxSelectMultiple)
    many = forms.MultipleChoiceField(choices=[("p", "P"), ("q", "Q")])


@pytest.mark.parametrize("data", [
    None,
    {"text": "toolong<>", "number": "x", "pick": "a", "radio": "y", "groups": "2", "radio_groups": "1",
     "boxes": ["1", "2"], "many": ["q"], "notes": "line\n<script>", "secret": "s3", "hidden": "h&"},
])
@pytest.mark.parametrize("disabled", [False, True])
def test_every_plain_widget_matches_the_templates(data, disabled):
    def form(renderer):
        f = Everything(data, initial={"radio": "x", "notes": "初始"}, renderer=renderer, auto_id="id_%s")
        for field in f.fields.values():
            field.disabled = disabled
        if data:
            f.is_valid()
        return f

    assert _fields(form(PYTHON)) == _fields(form(TEMPLATES))


def test_aware_datetime_labels_are_shown_in_local_time_as_in_the_templates():
    moment = dt.datetime(2024, 1, 2, 23, 30, tzinfo=dt.UTC)  # 2024-01-03 07:30 in Asia/Shanghai

    class Times(forms.Form):
        at = forms.ChoiceField(choices=[("a", moment)])
        when = forms.ChoiceField(choices=[("b", moment)], widget=forms.RadioSelect)

    assert _fields(Times(renderer=PYTHON)) == _fields(Times(renderer=TEMPLATES))


def test_no_auto_id_matches_the_templates():
    assert _fields(Everything(renderer=PYTHON, auto_id=False)) == _fields(Everything(renderer=TEMPLATES, auto_id=False))


def test_questionnaire_form_is_rendered_in_python_with_the_templates_markup():
    v = version(YEAR)
    questions = list(v.questions.all())
    initial = QuestionnaireForm.initial_from(questions, {"revenue": {"before": "1000", "after": "1100"},
                                                         "effect": "4", "maturity": {"before": "1"},
                                                         "suggestions": "多 <b>培训</b>"})
    python = QuestionnaireForm(version=v, initial=initial)
    assert isinstance(python.renderer, PythonWidgetRenderer)
    templates = QuestionnaireForm(version=v, initial=initial, renderer=TEMPLATES)
    assert _fields(python) == _fields(templates)
    bound = {"revenue__before": "abc", "effect": "9", "sat_training": "5", "maturity__after": "2", "save": "1"}
    python, templates = (QuestionnaireForm(bound, version=v), QuestionnaireForm(bound, version=v, renderer=TEMPLATES))
    assert not python.is_valid() and not templates.is_valid()
    assert _fields(python) == _fields(templates)
    locked = QuestionnaireForm(version=v, disabled=True, initial=initial)
    assert _fields(locked) == _fields(QuestionnaireForm(version=v, disabled=True, initial=initial, renderer=TEMPLATES))
