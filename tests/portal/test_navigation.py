"""The navigation: one entry marked as the current page, labels translated."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import cb_user

pytestmark = pytest.mark.django_db


def _active(response) -> list[str]:
    return [item["label"] for item in response.context["nav_items"] if item["active"]]


def test_only_the_longest_matching_entry_is_active(client, login):
    login(cb_user())
    assert _active(client.get(reverse("enterprises:upload_list"))) == ["台账上传"]
    assert _active(client.get(reverse("enterprises:ledger_list"))) == ["帮扶台账"]
    assert _active(client.get(reverse("dashboard"))) == ["工作台"]


def test_feature_entries_follow_the_language(client, login):
    login(cb_user())
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    labels = [item["label"] for item in client.get(reverse("enterprises:ledger_list")).context["nav_items"]]
    assert "Assistance ledger" in labels
    assert not [label for label in labels if any("\u4e00" <= ch <= "\u9fff" for ch in label)], labels
