from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HQ = "hq", _("总局工作人员")
    PROVINCE = "province", _("省局工作人员")
    DISTRICT = "district", _("区县局工作人员")
    EXPERT = "expert", _("评估专家")
    CB = "cb", _("认证机构用户")
    ENTERPRISE = "enterprise", _("企业用户")


STAFF_ROLES = frozenset({Role.HQ, Role.PROVINCE, Role.DISTRICT})
