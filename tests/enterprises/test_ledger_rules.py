"""Each validation rule of the assistance ledger, with the Chinese message that says what to fix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from enterprises.intake.files import UploadRejected
from enterprises.ledger.columns import HEADERS
from enterprises.ledger.pipeline import ensure_open
from enterprises.ledger.reader import map_headers
from enterprises.ledger.rules import RowParser
from enterprises.models import CertificationScheme, LedgerRecord, SizeClass
from programme.models import Deadline, DeadlineException, DeadlineKind
from tests.enterprises.factories import ledger_row
from tests.factories import CertificationBodyFactory, EnterpriseFactory, province_user, valid_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def cb():
    return CertificationBodyFactory()


@pytest.fixture
def parser(cb):
    p = RowParser(certification_body=cb, year=2024)
    p.positions = map_headers(HEADERS)
    return p


def check(parser, row, number=2):
    parsed, issues = parser.parse(number, [row.get(h, "") for h in HEADERS])
    errors = [(i.column, i.message) for i in issues if i.level == "error"]
    warnings = [(i.column, i.message) for i in issues if i.level == "warning"]
    return parsed, errors, warnings


def only_error(parser, row):
    parsed, errors, _warnings = check(parser, row)
    assert parsed is None
    assert len(errors) == 1, errors
    return errors[0]


def test_a_valid_row_passes_without_warnings(parser):
    parsed, errors, warnings = check(parser, ledger_row())
    assert errors == [] and warnings == []
    assert parsed is not None and parsed.values[0] == "天津北辰测试电动车有限公司"


def test_uscc_check_character(parser):
    good = valid_uscc("120113")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    column, message = only_error(parser, ledger_row(**{"统一社会信用代码": bad}))
    assert column == "统一社会信用代码"
    assert "校验位错误" in message and f"应为“{good[17]}”" in message


def test_district_must_exist(parser):
    column, message = only_error(parser, ledger_row(**{"所在区县代码": "129999"}))
    assert column == "所在区县代码" and "“129999”不存在" in message


def test_district_must_be_county_level(parser):
    column, message = only_error(parser, ledger_row(**{"所在区县代码": "120000"}))
    assert column == "所在区县代码" and "不是县级行政区划" in message


def test_uscc_registering_division_inconsistent_with_district_is_a_warning(parser):
    parsed, errors, warnings = check(parser, ledger_row(**{"统一社会信用代码": valid_uscc("110105")}))
    assert errors == [] and parsed is not None
    assert warnings == [("所在区县代码", warnings[0][1])]
    assert "登记地代码（110105）与所在区县（120113" in warnings[0][1]


def test_registration_at_the_city_or_province_level_is_consistent(parser):
    _parsed, errors, warnings = check(parser, ledger_row(**{"统一社会信用代码": valid_uscc("120000")}))
    assert errors == [] and warnings == []


@pytest.mark.parametrize(("header", "value"), [("开始日期", "2023-12-31"), ("结束日期", "2025-01-01")])
def test_dates_inside_the_programme_year(parser, header, value):
    column, message = only_error(parser, ledger_row(**{header: value}))
    assert column == header and "不在2024年度内" in message


def test_end_not_before_start(parser):
    column, message = only_error(parser, ledger_row(**{"开始日期": "2024-08-01", "结束日期": "2024-07-31"}))
    assert column == "结束日期" and "早于“开始日期”" in message


def test_dates_accept_excel_dates_and_chinese_forms(parser):
    parsed, errors, _ = check(parser, ledger_row(**{"开始日期": dt.date(2024, 7, 1), "结束日期": "2024年9月30日"}))
    assert errors == []
    assert parsed.values[8:10] == [dt.date(2024, 7, 1), dt.date(2024, 9, 30)]


def test_solved_not_more_than_found(parser):
    column, message = only_error(parser, ledger_row(**{"发现质量问题（个）": 3, "解决质量问题（个）": 4}))
    assert column == "解决质量问题（个）" and "（4）不能大于" in message


@pytest.mark.parametrize("value", [-1, 2.5, "三", "1e3"])
def test_counts_are_non_negative_integers(parser, value):
    column, message = only_error(parser, ledger_row(**{"参与专家（人）": value}))
    assert column == "参与专家（人）" and "应为不小于0的整数" in message


def test_fee_reduction_below_fee_no_free_certification(parser):
    column, message = only_error(parser, ledger_row(**{"认证费用（元）": 8000, "减免费用（元）": 8000}))
    assert column == "减免费用（元）" and "不得免费认证" in message


def test_certified_needs_a_certificate_number(parser):
    row = ledger_row(**{"是否获证": "是", "认证类别": "ISO 9001质量管理体系"})
    column, message = only_error(parser, row)
    assert column == "证书编号" and "须填写“证书编号”" in message


def test_certificate_number_unique_per_scheme_within_the_file(parser):
    first = ledger_row(**{"是否获证": "是", "证书编号": "00124Q0001", "认证类别": "ISO 9001质量管理体系"})
    second = ledger_row(**{"是否获证": "是", "证书编号": "00124Q0001", "认证类别": "ISO 9001质量管理体系"})
    other_scheme = ledger_row(**{"是否获证": "是", "证书编号": "00124Q0001", "认证类别": "HACCP危害分析与关键控制点"})
    assert check(parser, first, 2)[1] == []
    parsed, errors, _ = check(parser, second, 3)
    assert parsed is None and errors[0][0] == "证书编号" and "第2行使用" in errors[0][1]
    assert check(parser, other_scheme, 4)[1] == []


def test_certificate_number_unique_per_scheme_against_stored_records(parser, cb):
    other = EnterpriseFactory()
    record = LedgerRecord.objects.create(
        programme_year_id=2024,
        certification_body=cb,
        enterprise=other,
        reported_name=other.name,
        reported_district=other.district,
        reported_industry="industry",
        dimensions="quality_mgmt",
        modes="diagnosis",
        start_date=dt.date(2024, 7, 1),
        end_date=dt.date(2024, 8, 1),
        certified=True,
        certificate_number="00124Q0002",
        scheme=CertificationScheme.ISO9001,
        content_hash="x",
    )
    parsed, errors, _ = check(
        parser, ledger_row(**{"是否获证": "是", "证书编号": "00124Q0002", "认证类别": "ISO 9001质量管理体系"})
    )
    assert errors == []
    staged, issues = parser.resolve([parsed])
    assert staged == [] and len(issues) == 1
    assert issues[0].column == "证书编号" and record.enterprise.uscc in issues[0].message


@pytest.mark.parametrize(
    ("header", "value", "fragment"),
    [
        ("行业", "制造", "只能填写：农、林、牧、渔业"),
        ("是否获证", "可能", "只能填写“是”或“否”"),
        ("帮扶维度：质量管理", "x", "只能填写“是”或“否”"),
        ("帮扶前成熟度", "优秀", "只能填写：初步系统、有效系统、持续改进、领先型"),
    ],
)
def test_enumerations(parser, header, value, fragment):
    column, message = only_error(parser, ledger_row(**{header: value}))
    assert column == header and fragment in message and f"收到“{value}”" in message


def test_enumerations_accept_codes_as_well_as_labels(parser):
    _parsed, errors, _ = check(parser, ledger_row(**{"行业": "industry"}))
    assert errors == []


def test_at_least_one_dimension_and_mode(parser):
    row = ledger_row(**{"帮扶维度：质量管理": "否"})
    column, message = only_error(parser, row)
    assert column == "帮扶维度" and "至少在一个“帮扶维度”列填写“是”" in message


def test_same_enterprise_twice_in_one_file(parser):
    uscc = valid_uscc("120113")
    assert check(parser, ledger_row(**{"统一社会信用代码": uscc}), 2)[1] == []
    parsed, errors, _ = check(parser, ledger_row(**{"统一社会信用代码": uscc}), 7)
    assert parsed is None and errors[0][0] == "统一社会信用代码" and "已在第2行填报" in errors[0][1]


def test_not_small_or_micro_is_a_warning_not_an_error(parser):
    parsed, errors, warnings = check(parser, ledger_row(**{"从业人员（人）": 800, "营业收入（万元）": 90000}))
    assert errors == [] and parsed is not None
    assert parsed.values[5] in (SizeClass.MEDIUM, SizeClass.LARGE)
    assert any("不属于小微企业" in m for _c, m in warnings)


def test_a_cb_cannot_file_rows_for_another_cb(parser):
    other = CertificationBodyFactory()
    column, message = only_error(parser, ledger_row(**{"认证机构批准号": other.approval_number}))
    assert column == "认证机构批准号" and "只能上传本机构" in message


def test_formula_like_text_is_refused(parser):
    column, message = only_error(parser, ledger_row(**{"企业名称": '=HYPERLINK("http://x","点我")'}))
    assert column == "企业名称" and "公式" in message


def test_year_locked_after_its_deadline_unless_the_province_granted_an_exception(cb):
    deadline = Deadline.objects.get(programme_year_id=2024, kind=DeadlineKind.LEDGER)
    assert deadline.due_at < timezone.now()
    with pytest.raises(UploadRejected) as excinfo:
        ensure_open(year=2024, certification_body=cb)
    assert "已于2024-10-31 23:59截止报送" in str(excinfo.value) and "省局批准延期" in str(excinfo.value)
    tianjin = province_user("120000")
    DeadlineException.objects.create(
        deadline=deadline,
        certification_body=cb,
        granted_by_unit=tianjin.org_unit,
        granted_by=tianjin,
        open_until=timezone.now() + dt.timedelta(days=3),
        reason="补报",
    )
    ensure_open(year=2024, certification_body=cb)  # open again for this CB only
    with pytest.raises(UploadRejected):
        ensure_open(year=2024, certification_body=CertificationBodyFactory())
