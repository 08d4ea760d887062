"""Attachments: type checked by content, size-limited."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from programme import services
from programme.services import pilot_attachment_add
from tests.factories import district_user

from .factories import make_filing, make_pilot, open_deadline

pytestmark = pytest.mark.django_db


@pytest.fixture
def filing():
    open_deadline()
    return make_filing(make_pilot())


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_type_is_taken_from_the_content_not_the_name(filing):
    # A PNG named .pdf is stored as a PNG.
    a = pilot_attachment_add(actor=district_user(), filing=filing, section="results",
                             upload=SimpleUploadedFile("照片.pdf", _png(), content_type="application/pdf"))
    assert a.content_type == "image/png" and a.original_name == "照片.png"


def test_html_or_scripts_are_refused_whatever_their_name(filing):
    with pytest.raises(ValidationError) as exc:
        pilot_attachment_add(actor=district_user(), filing=filing, section="results",
                             upload=SimpleUploadedFile("报告.pdf", b"<html><script>alert(1)</script></html>"))
    assert "报告.pdf" in str(exc.value) and "不是允许的类型" in str(exc.value)


def test_size_is_capped(filing, monkeypatch):
    monkeypatch.setattr(services, "ATTACHMENT_MAX_BYTES", 100)
    with pytest.raises(ValidationError) as exc:
        pilot_attachment_add(actor=district_user(), filing=filing, section="results",
                             upload=SimpleUploadedFile("大.pdf", b"%PDF-1.4\n" + b"0" * 200))
    assert "超过" in str(exc.value)


def test_section_must_exist(filing):
    with pytest.raises(ValidationError):
        pilot_attachment_add(actor=district_user(), filing=filing, section="nope",
                             upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF"))
