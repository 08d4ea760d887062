"""A form renderer that writes Django's plain widgets in Python, with exactly the markup of their templates.

Django renders every widget through a small tree of template includes (a radio list: the list, then per
choice ``radio_option.html`` → ``input_option.html`` → ``input.html`` → ``attrs.html``). A long form such as
the year-end questionnaire (about 280 of them) spends most of its page time there. :class:`PythonWidgetRenderer`
builds the same strings directly for the built-in templates listed in ``_BUILDERS`` (same attributes, same
order, same escaping, same whitespace; ``tests/portal/test_widgets.py`` compares them with the templates)
and leaves every other template — form layouts, custom or admin widgets — to the template engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # missing from the stubs

W = "django/forms/widgets/"


def _text(value: Any) -> str:
    """``{{ value }}`` in a template: the value as (localised) text, escaped unless it is marked safe."""
    if isinstance(value, str):
        return str(conditional_escape(value))
    return str(conditional_escape(str(localize(template_localtime(value)))))


def _attrs(attrs: dict[str, Any]) -> str:
    """``attrs.html``: ``name="value"`` in order, a bare name for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_text(str(value))}"')
    return "".join(parts)


# Each builder returns what its template file writes, its final newline included (an including template
# adds its own); the renderer strips the result, as Django's does.


def _input(widget: dict[str, Any]) -> str:
    """``input.html``."""
    value = "" if widget["value"] is None else f' value="{_text(str(widget["value"]))}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{_attrs(widget["attrs"])}>\n'


def _input_option(option: dict[str, Any]) -> str:
    """``radio_option.html`` / ``checkbox_option.html``: ``input_option.html``."""
    if not option["wrap_label"]:
        return _input(option) + "\n\n"
    label_for = f' for="{_text(option["attrs"]["id"])}"' if option["attrs"].get("id") else ""
    return f"<label{label_for}>{_input(option)} {_text(option['label'])}</label>\n\n"


OPTION_BUILDERS: dict[str, Callable[[dict[str, Any]], str]] = {
    W + "radio_option.html": _input_option,
    W + "checkbox_option.html": _input_option,
    W + "select_option.html": lambda o: (
        f'<option value="{_text(str(o["value"]))}"{_attrs(o["attrs"])}>{_text(o["label"])}</option>\n'),
}


def _option(option: dict[str, Any]) -> str | None:
    build = OPTION_BUILDERS.get(option["template_name"])
    return build(option) if build is not None else None


def _groups(
    widget: dict[str, Any], *, opening: Callable[[str], str], closing: str, item: Callable[[str], str]
) -> str | None:
    """The widget's options, group by group, each option through ``item`` (None: an option we do not write)."""
    out = []
    for group, options, _index in widget["optgroups"]:
        if group:
            out.append(opening(_text(group)))
        for option in options:
            html = _option(option)
            if html is None:
                return None
            out.append(item(html))
        if group:
            out.append(closing)
    return "".join(out)


def _multiple_input(widget: dict[str, Any]) -> str | None:
    """``multiple_input.html`` (radio and checkbox lists)."""
    attrs = widget["attrs"]
    id_ = f' id="{_text(attrs["id"])}"' if attrs.get("id") else ""
    class_ = f' class="{_text(attrs["class"])}"' if attrs.get("class") else ""
    body = _groups(
        widget,
        opening=lambda group: f"\n  <div><label>{group}</label>",
        closing="\n  </div>",
        item=lambda html: f"<div>\n    {html}</div>",
    )
    # multiple_input.html, then radio.html / checkbox_select.html
    return None if body is None else f"<div{id_}{class_}>{body}\n</div>\n\n"


def _select(widget: dict[str, Any]) -> str | None:
    """``select.html``."""
    body = _groups(
        widget,
        opening=lambda group: f'\n  <optgroup label="{group}">',
        closing="\n  </optgroup>",
        item=lambda html: f"\n  {html}",
    )
    if body is None:
        return None
    return f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>{body}\n</select>\n'


def _textarea(widget: dict[str, Any]) -> str:
    """``textarea.html``."""
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>\n'


_BUILDERS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    W + "input.html": _input,
    **{W + f"{kind}.html": lambda w: _input(w) + "\n" for kind in (
        "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time", "search",
        "tel", "color")},
    W + "radio.html": _multiple_input,
    W + "checkbox_select.html": _multiple_input,
    W + "select.html": _select,
    W + "textarea.html": _textarea,
}


class PythonWidgetRenderer(DjangoTemplates):
    """Django's default renderer, with the plain widget templates written in Python (same markup)."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        build = _BUILDERS.get(template_name)
        widget = context.get("widget") if build is not None else None
        html = build(widget) if build is not None and isinstance(widget, dict) else None
        if html is None:
            return str(super().render(template_name, context, request))
        return mark_safe(html.strip())  # noqa: S308 - every value in it went through conditional_escape


# One instance for every form that uses it: a renderer builds its template engine once.
renderer = PythonWidgetRenderer()
