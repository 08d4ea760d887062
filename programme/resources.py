"""django-import-export resource for the certification-body registry.

Rows are matched on the CNCA approval number; the registering province is given by its GB/T 2260 code; every
row is validated by the model (approval-number format) before saving.
"""

from __future__ import annotations

from typing import Any

from import_export import fields, resources, widgets

from .models import CertificationBody, OrgUnit, OrgUnitLevel


class ProvinceWidget(widgets.ForeignKeyWidget):
    def __init__(self) -> None:
        super().__init__(OrgUnit, field="code")

    def get_queryset(self, value: Any, row: Any, *args: Any, **kwargs: Any) -> Any:
        return OrgUnit.objects.filter(level=OrgUnitLevel.PROVINCE)


class CertificationBodyResource(resources.ModelResource):
    approval_number = fields.Field(attribute="approval_number", column_name="批准号")
    name = fields.Field(attribute="name", column_name="机构名称")
    status = fields.Field(attribute="status", column_name="状态代码")
    province = fields.Field(attribute="province", column_name="注册地代码", widget=ProvinceWidget())

    class Meta:
        model = CertificationBody
        import_id_fields = ("approval_number",)
        fields = ("approval_number", "name", "status", "province")
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
