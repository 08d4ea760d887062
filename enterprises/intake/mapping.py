"""The mapping step of an upload: the required columns the header rule could not find are asked, each as a
choice among the file's columns that name no column; the answers are remembered per CB and kind of upload
(:class:`HeaderMapping`) and applied to the CB's next files without asking again.

The state of the question is plain JSON (:func:`header_state`), kept on the parked upload (the ledger's
``LedgerUpload.header_map``) or beside the parked file (training), and read back by :func:`questions` and
:func:`parse_answers`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import HeaderMapping
from .reader import Header, Table, Vocabulary, is_empty, norm_header

if TYPE_CHECKING:
    from portal.models import User
    from programme.models import CertificationBody

LEDGER, TRAINING = "ledger", "training"
MAX_HEADER = 200  # characters of a remembered header


class NeedsMapping(Exception):
    """A required column is missing and could be one of the file's other columns: the user is asked."""

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__(_("请为文件中未能识别的列选择对应的模板列。"))
        self.state = state


def header_state(table: Table, header: Header, vocabulary: Vocabulary) -> dict[str, Any]:
    """What the header rule found in a file, as JSON: the sheet and header row, every column matched (and
    how), the required columns missing, the candidates and the headers ignored."""
    texts = ["" if is_empty(h) else str(h).strip() for h in table.headers]
    return {
        "sheet": table.sheet,
        "header_row": table.header_row,
        "matched": [
            {"key": key, "label": vocabulary.header_of[key], "position": index, "column": table.column(index),
             "header": texts[index], "how": header.how.get(key, "")}
            for key, index in sorted(header.positions.items(), key=lambda item: item[1])
        ],
        "missing": [{"key": key, "label": vocabulary.header_of[key]} for key in header.missing],
        "candidates": [
            {"position": index, "column": table.column(index), "header": texts[index]} for index in header.candidates
        ],
        "ignored": [text for _index, text, _message in header.ignored],
    }


@dataclass(frozen=True)
class Question:
    key: str
    label: str
    choices: list[tuple[int, str]]  # (position, "C列：受助企业")
    picked: int | None = None

    @property
    def field(self) -> str:
        return f"col-{self.key}"


def _choice_label(candidate: Mapping[str, Any]) -> str:
    if candidate["header"]:
        return _("%(col)s列：%(header)s") % {"col": candidate["column"], "header": candidate["header"]}
    return _("%(col)s列（无表头）") % {"col": candidate["column"]}


def questions(state: Mapping[str, Any], answers: Mapping[str, Any] | None = None) -> list[Question]:
    choices = [(int(c["position"]), _choice_label(c)) for c in state.get("candidates", [])]
    picked = {
        k.removeprefix("col-"): int(v) for k, v in (answers or {}).items() if str(v).isdigit()
    }
    return [Question(m["key"], m["label"], choices, picked.get(m["key"])) for m in state.get("missing", [])]


def parse_answers(state: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, int]:
    """The user's answers (``col-<key>`` → a candidate's position) checked: every question answered with a
    column of the file that names no other column, none chosen twice; else a ``ValidationError`` naming
    the columns."""
    allowed = {int(c["position"]): c for c in state.get("candidates", [])}
    answers: dict[str, int] = {}
    problems: list[str] = []
    taken: dict[int, str] = {}
    for missing in state.get("missing", []):
        raw = str(data.get(f"col-{missing['key']}", "") or "").strip()
        if not raw.isdigit() or int(raw) not in allowed:
            problems.append(_("请为“%(label)s”选择文件中的一列。") % {"label": missing["label"]})
            continue
        position = int(raw)
        if position in taken:
            problems.append(
                _("“%(label)s”和“%(other)s”选择了同一列（%(col)s列），一列只能对应一个模板列。")
                % {"label": missing["label"], "other": taken[position], "col": allowed[position]["column"]}
            )
            continue
        taken[position] = missing["label"]
        answers[missing["key"]] = position
    if problems:
        raise ValidationError(problems)
    return answers


def remembered_for(certification_body: CertificationBody | int, kind: str) -> dict[str, str]:
    """The CB's remembered answers for a kind of upload: normalised file header → column key."""
    cb_id = getattr(certification_body, "pk", certification_body)
    return dict(HeaderMapping.objects.filter(certification_body_id=cb_id, kind=kind).values_list("header", "key"))


def remember(*, certification_body: CertificationBody, kind: str, actor: User | None, state: Mapping[str, Any],
             answers: Mapping[str, int]) -> list[tuple[str, str]]:
    """Keep the answers whose column has a header (a column without one cannot be recognised next time);
    a header answered again takes the new answer. Returns the (header, key) pairs kept."""
    headers = {int(c["position"]): c["header"] for c in state.get("candidates", [])}
    kept: list[tuple[str, str]] = []
    now = timezone.now()
    for key, position in answers.items():
        text = norm_header(headers.get(position, ""))[:MAX_HEADER]
        if not text:
            continue
        HeaderMapping.objects.update_or_create(
            certification_body=certification_body, kind=kind, header=text,
            defaults={"key": key, "updated_by": actor, "updated_at": now},
        )
        kept.append((text, key))
    return kept
