"""PDF rendering with WeasyPrint, locked down.

The URL fetcher serves only the project's own static files and ``data:`` URLs: a document can never make
the server read an arbitrary file or reach the network. Chinese text uses a CJK system font found by
fontconfig (WenQuanYi Micro Hei, installed by ``make``), which WeasyPrint embeds as a subset — fast to
load and no missing glyphs.
"""

from __future__ import annotations

import base64
import mimetypes
from typing import Any
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

CJK_FONT_FAMILY = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", sans-serif'


class StaticOnlyURLFetcher(URLFetcher):
    """Resolve ``/static/...`` to the project's static files and decode ``data:`` URLs; refuse the rest."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            header, _, payload = url[5:].partition(",")
            mime = header.split(";")[0] or "text/plain"
            body = base64.b64decode(payload) if header.endswith(";base64") else unquote(payload).encode()
            return URLFetcherResponse(url, body, {"Content-Type": mime})
        path = urlparse(url).path
        static_prefix = "/" + settings.STATIC_URL.strip("/") + "/"
        if path.startswith(static_prefix):
            relative = path[len(static_prefix):]
            found = finders.find(relative)
            if found and ".." not in relative.split("/"):
                with open(found if isinstance(found, str) else found[0], "rb") as fh:
                    body = fh.read()
                mime = mimetypes.guess_type(relative)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body, {"Content-Type": mime})
        raise ValueError(f"refused to fetch {url!r}: only project static files and data: URLs are allowed")


def render_pdf(template_name: str, context: dict[str, Any], **options: Any) -> bytes:
    """Render a template to PDF; ``options`` go to WeasyPrint's ``write_pdf`` (e.g. ``uncompressed_pdf``)."""
    html = render_to_string(template_name, {**context, "cjk_font_family": CJK_FONT_FAMILY})
    document = HTML(string=html, base_url="file:///", url_fetcher=StaticOnlyURLFetcher())
    return document.write_pdf(**options)  # type: ignore[no-any-return]
