"""The isolation matrix over every page that exists, found by crawling.

The demo data set is loaded; then, for pairs of peers of different tenants (two districts, two provinces,
two CBs, two enterprises), every page the first one can reach by following links from its dashboard is
crawled. Every reachable page that names an object (a number or a division code in its path) is then
requested by the other one, who must get 404 or 403 — or, for the few public reference pages, nothing
beyond what its own scope shows. New pages of any app are covered as soon as they are linked.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.http import Http404
from django.urls import resolve

from enterprises.models import Enterprise
from portal.models import User
from portal.roles import Role
from portal.services import user_create

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# URL names that show one shared object to a whole role: public reference data (the CNCA registry, the
# GB/T 2260 divisions) and HQ's evaluation of the provinces, in which every province is a party (the scores
# inside it are scoped and published separately; see tests/assessments).
SHARED = {
    Role.PROVINCE: {"programme:cb_detail", "assessments:evaluation"},
    Role.DISTRICT: {"programme:cb_detail"},
    Role.CB: {"programme:unit_detail"},
}
SKIP_PREFIXES = ("/accounts/", "/i18n/", "/admin/", "/static/", "/media/", "/api/docs", "/api/schema")
# A number or a USCC in the path names an object; a programme year (20xx) alone does not — "/…/2024/" pages
# show the visitor's own data for that year.
OBJECT_SEGMENT = re.compile(r"^(\d+|[0-9A-Z]{18})$")
YEAR_SEGMENT = re.compile(r"^20\d\d$")
MAX_PAGES = 200
PER_VIEW = 4  # visit at most this many pages of one kind (one URL name): breadth over depth


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def _crawl(client) -> set[str]:
    seen: set[str] = set()
    reached: set[str] = set()
    per_view: dict[str, int] = {}
    queue = deque(["/"])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        try:
            view = resolve(urlsplit(url).path).view_name
        except Http404:
            continue
        per_view[view] = per_view.get(view, 0) + 1
        if per_view[view] > PER_VIEW:
            continue
        response = client.get(url)
        if response.status_code != 200:
            continue
        reached.add(url)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _Links()
        parser.feed(response.content.decode("utf-8", "replace"))
        for href in parser.links:
            absolute = urljoin(url, href)
            parts = urlsplit(absolute)
            if parts.netloc not in ("", "testserver") or not parts.path.startswith("/"):
                continue
            if parts.path.startswith(SKIP_PREFIXES):
                continue
            # Follow every object page, but only the first page of each list.
            target = parts.path + (f"?{parts.query}" if parts.query and "page=" not in parts.query else "")
            if target not in seen:
                queue.append(target)
    return reached


def _names_an_object(path: str) -> bool:
    return any(OBJECT_SEGMENT.match(seg) and not YEAR_SEGMENT.match(seg) for seg in path.split("/") if seg)


@pytest.fixture
def peers(db):
    call_command("seed_demo", "--scale", "demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    users = {u.username: u for u in User.objects.all()}
    # A second enterprise login, in another district, for the enterprise pair.
    other = Enterprise.objects.filter(district__code="120114").order_by("uscc").first()
    users["enterprise2"] = user_create(actor=None, username="enterprise2", password="Other-Enterprise-2026",
                                       role=Role.ENTERPRISE, enterprise=other, check_password=False)
    return users


# 北辰 and 西青 share no pilot (北辰 and 武清 do: the e-bike pilot spans both).
PAIRS = [("beichen", "xiqing"), ("xiqing", "beichen"), ("tianjin", "hebei"), ("hebei", "tianjin"),
         ("cb", "cb2"), ("cb2", "cb"), ("enterprise", "enterprise2"), ("enterprise2", "enterprise")]


def test_no_page_of_one_tenant_is_visible_to_another(client, peers):
    reachable: dict[str, set[str]] = {}
    for name in {n for pair in PAIRS for n in pair}:
        client.force_login(peers[name], backend="django.contrib.auth.backends.ModelBackend")
        reachable[name] = _crawl(client)
        client.logout()
    problems = []
    checked = 0
    for owner_name, other_name in PAIRS:
        other = peers[other_name]
        # What the other one reaches through its own links is legitimately shared (e.g. an enterprise
        # assisted by both CBs); everything else of the owner's must be out of its reach.
        pages = sorted(p for p in reachable[owner_name] - reachable[other_name] if _names_an_object(urlsplit(p).path))
        client.force_login(other, backend="django.contrib.auth.backends.ModelBackend")
        for page in pages:
            name = resolve(urlsplit(page).path).view_name
            if name in SHARED.get(other.role, set()):
                continue
            status = client.get(page).status_code
            checked += 1
            if status not in (403, 404):
                problems.append(f"{other_name} got {status} for {owner_name}'s {page} ({name})")
        client.logout()
    assert not problems, "\n".join(problems)
    assert checked >= 10  # the crawl really reached object pages
