"""Property-based run of the whole OpenAPI schema (schemathesis): whatever the input, the API never
answers with a server error. Runs in-process against the WSGI application, authenticated as a CB user,
a district user and HQ in turn."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from tests.factories import EnterpriseFactory, cb_user, district_user, hq_user

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """The WSGI handler closes "old" connections at each request, which would end the test transaction;
    Django's own test client disconnects these signals the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["cb", "district", "hq"])
def api_token(request):
    EnterpriseFactory(district_code="120113")
    user = {"cb": cb_user, "district": district_user, "hq": hq_user}[request.param]()
    return Token.objects.create(user=user).key


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_never_answers_with_a_server_error(case, api_token):
    response = case.call(headers={"Authorization": f"Token {api_token}"})
    case.validate_response(response, checks=[not_a_server_error])
