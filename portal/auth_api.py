"""The API token endpoint, with input bounded before it reaches authentication and the login throttle."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError

from .lockout import lockout_response


class TokenRequestSerializer(AuthTokenSerializer):
    username = serializers.CharField(label=_("用户名"), max_length=150, write_only=True)
    password = serializers.CharField(label=_("密码"), max_length=128, style={"input_type": "password"},
                                     trim_whitespace=False, write_only=True)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for the account's API token (login throttling applies)."""

    serializer_class = TokenRequestSerializer

    @extend_schema(request=TokenRequestSerializer, responses=TokenResponseSerializer)
    def post(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # django-axes marks the request it was given (DRF's wrapper) when the username is locked from this
            # address; say so, and until when, instead of "wrong credentials".
            if getattr(request, "axes_locked_out", False):
                username = request.data.get("username") if hasattr(request.data, "get") else None
                return lockout_response(request._request, credentials={"username": username})
            raise
