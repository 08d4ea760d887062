"""django-import-export resource for the enterprise registry (the CB registry's is in programme.resources).

Rows are matched on their natural keys (USCC, CNCA approval number); divisions are given by their GB/T 2260
code; every row is validated by the model (USCC check character, approval-number format) before saving.
"""

from __future__ import annotations

from typing import Any

from import_export import fields, resources, widgets

from programme.models import OrgUnit, OrgUnitLevel

from ..models import Enterprise
from .sizing import classify, load_thresholds


class DistrictWidget(widgets.ForeignKeyWidget):
    def __init__(self) -> None:
        super().__init__(OrgUnit, field="code")

    def get_queryset(self, value: Any, row: Any, *args: Any, **kwargs: Any) -> Any:
        return OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT)


class EnterpriseResource(resources.ModelResource):
    uscc = fields.Field(attribute="uscc", column_name="统一社会信用代码")
    name = fields.Field(attribute="name", column_name="企业名称")
    district = fields.Field(attribute="district", column_name="所在区县代码", widget=DistrictWidget())
    industry = fields.Field(attribute="industry", column_name="行业代码")
    employees = fields.Field(attribute="employees", column_name="从业人员（人）", widget=widgets.IntegerWidget())
    revenue = fields.Field(attribute="revenue", column_name="营业收入（万元）", widget=widgets.DecimalWidget())
    assets = fields.Field(attribute="assets", column_name="资产总额（万元）", widget=widgets.DecimalWidget())
    size_class = fields.Field(attribute="size_class", column_name="企业规模", readonly=True)

    class Meta:
        model = Enterprise
        import_id_fields = ("uscc",)
        fields = ("uscc", "name", "district", "industry", "employees", "revenue", "assets", "size_class")
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        self._thresholds = load_thresholds()

    def before_save_instance(self, instance: Enterprise, row: Any, **kwargs: Any) -> None:
        instance.uscc = (instance.uscc or "").strip().upper()
        instance.size_class = classify(
            industry=instance.industry,
            employees=instance.employees,
            revenue=instance.revenue,
            assets=instance.assets,
            table=getattr(self, "_thresholds", None),
        )
