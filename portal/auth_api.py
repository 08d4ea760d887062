"""The API token endpoint, with input bounded before it reaches authentication and the login throttle."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken


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
        return super().post(request, *args, **kwargs)
