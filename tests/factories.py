"""factory_boy factories for the foundation models. Feature apps keep theirs in tests/<app>/factories.py."""

from __future__ import annotations

import itertools
from decimal import Decimal

import factory
from stdnum.cn import uscc as stdnum_uscc

from enterprises.models import Enterprise, Industry, SizeClass
from portal.models import User
from portal.roles import Role
from programme.models import CertificationBody, OrgUnit

PASSWORD = "Test-Password-2026"
_serial = itertools.count(1)


def valid_uscc(district_code: str = "120113", serial: int | None = None) -> str:
    n = next(_serial) if serial is None else serial
    body = f"91{district_code}MA{n:07d}"
    return body + stdnum_uscc.calc_check_digit(body)


def unit(code: str) -> OrgUnit:
    """Reference units are loaded once per test session (see tests/conftest.py)."""
    return OrgUnit.objects.get(code=code)


class CertificationBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificationBody

    approval_number = factory.Sequence(lambda n: f"CNCA-R-2010-{n + 100:03d}")
    name = factory.Sequence(lambda n: f"测试认证有限公司{n}")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    class Params:
        district_code = "120113"

    district = factory.LazyAttribute(lambda o: unit(o.district_code))
    uscc = factory.LazyAttribute(lambda o: valid_uscc(o.district_code))
    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    industry = Industry.MANUFACTURING
    employees = 50
    revenue = Decimal("800")
    size_class = SizeClass.SMALL


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    role = Role.HQ
    org_unit = factory.LazyAttribute(lambda o: unit("000000") if o.role in (Role.HQ, Role.EXPERT) else None)
    is_staff = factory.LazyAttribute(lambda o: o.role in (Role.HQ, Role.PROVINCE, Role.DISTRICT))

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def hq_user(**kw) -> User:
    return UserFactory(role=Role.HQ, **kw)


def province_user(code: str = "120000", **kw) -> User:
    return UserFactory(role=Role.PROVINCE, org_unit=unit(code), **kw)


def district_user(code: str = "120113", **kw) -> User:
    return UserFactory(role=Role.DISTRICT, org_unit=unit(code), **kw)


def expert_user(code: str = "000000", **kw) -> User:
    return UserFactory(role=Role.EXPERT, org_unit=unit(code), **kw)


def cb_user(cb: CertificationBody | None = None, **kw) -> User:
    return UserFactory(role=Role.CB, org_unit=None, certification_body=cb or CertificationBodyFactory(), **kw)


def enterprise_user(enterprise: Enterprise | None = None, **kw) -> User:
    return UserFactory(role=Role.ENTERPRISE, org_unit=None, enterprise=enterprise or EnterpriseFactory(), **kw)
