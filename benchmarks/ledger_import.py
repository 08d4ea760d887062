"""Assistance-ledger upload benchmark on PostgreSQL.

Builds a 100,000-row XLSX in the ledger template, then measures in one run:

* the portal's upload path end to end as the jobs run it: guards + parse (python-calamine) + every validation
  rule + staging (COPY) — the validation job — and the merge into registry, ledger and audit trail — the commit
  job;
* a django-import-export ``ModelResource`` import of the same rows with its tuned settings (``use_bulk``,
  ``batch_size=1000``, ``skip_diff``) as the baseline;
* the machine's floor for any upload of this file: reading it (python-calamine) plus COPYing the rows the first
  upload stored (its enterprises and records) straight into the same tables, with no validation, staging or
  audit trail (``floor_rows_per_s``).

Usage: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_ledger .venv/bin/python benchmarks/ledger_import.py``
(the database is dropped and recreated). The last line printed is one JSON object.

``BENCH_ROWS`` sets the row count (default 100,000). The baseline runs at roughly 130 rows/s, so
``BENCH_BASELINE_ROWS=N`` times it on the first N rows of the same generated data (a separate N-row file) instead
of all of them; its rows/s is then measured on N rows, which the output says. ``BENCH_BASELINE_ROWS=0`` skips it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
BASELINE_ROWS = min(int(os.environ.get("BENCH_BASELINE_ROWS", str(ROWS))), ROWS)
YEAR = 2024
DATABASE_URL = os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_ledger")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def recreate_database() -> None:
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    admin = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def build_file(path: str, rows: int, districts: list[str]) -> None:
    """Write the XLSX in a child process so its memory does not count against the import."""
    code = f"""
import sys, random, datetime as dt
sys.path.insert(0, {str(ROOT)!r})
import os; os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
import django; django.setup()
from openpyxl import Workbook
from stdnum.cn import uscc
from enterprises.ledger.columns import HEADERS, DATA_SHEET
rng = random.Random(7)
districts = {districts!r}
wb = Workbook(write_only=True)
ws = wb.create_sheet(DATA_SHEET)
ws.append(HEADERS)
index = {{h: i for i, h in enumerate(HEADERS)}}
yes = lambda p: "是" if rng.random() < p else ""  # the template: 适用的填“是”，其余留空
for n in range({rows}):
    district = districts[n % len(districts)]
    body = f"91{{district}}MA{{n:07d}}"
    row = [""] * len(HEADERS)
    certified = rng.random() < 0.3
    fee = rng.randint(8, 30) * 1000
    start = dt.date({YEAR}, rng.randint(5, 8), rng.randint(1, 28))
    values = {{
        "年度": {YEAR}, "统一社会信用代码": body + uscc.calc_check_digit(body),
        "企业名称": f"天津测试{{n}}号制造有限公司", "所在区县代码": district, "行业": "工业",
        "从业人员（人）": rng.randint(5, 250), "营业收入（万元）": rng.randint(50, 15000),
        "帮扶维度：质量管理": "是", "帮扶维度：技术工艺": yes(0.4), "帮扶维度：产品质量": yes(0.5),
        "帮扶维度：人才队伍": yes(0.2), "帮扶方式：普遍性培训": yes(0.7), "帮扶方式：一对一定制化培训": yes(0.3),
        "帮扶方式：把脉问诊/质量诊断": "是", "帮扶方式：专家进企": yes(0.5), "帮扶方式：提升方案": yes(0.4),
        "帮扶方式：持续跟踪": yes(0.3), "开始日期": start, "结束日期": start + dt.timedelta(days=rng.randint(10, 90)),
        "参与专家（人）": rng.randint(1, 5), "发现质量问题（个）": (f := rng.randint(1, 20)),
        "解决质量问题（个）": rng.randint(0, f), "认证费用（元）": fee, "减免费用（元）": fee // 4,
        "是否获证": "是" if certified else "否", "证书编号": f"0{YEAR % 100}24Q{{n:07d}}" if certified else "",
        "认证类别": "ISO 9001质量管理体系" if certified else "", "帮扶前成熟度": "初步系统", "帮扶后成熟度": "有效系统",
        "试点区域": "", "备注": "",
    }}
    for header, value in values.items():
        row[index[header]] = value
    ws.append(row)
wb.save({path!r})
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def main() -> None:
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)

    from enterprises.ledger.pipeline import commit_upload, validate_upload
    from enterprises.models import LedgerRecord, LedgerUpload, UploadStatus
    from portal.models import User
    from portal.roles import Role
    from programme.models import CertificationBody, Deadline, DeadlineKind, OrgUnit, OrgUnitLevel

    Deadline.objects.filter(programme_year_id=YEAR, kind=DeadlineKind.LEDGER).update(
        due_at=timezone.now() + dt.timedelta(days=30)
    )
    cb = CertificationBody.objects.create(approval_number="CNCA-R-2002-001", name="基准测试认证中心")
    user = User.objects.create_user(username="bench", password=None, role=Role.CB, certification_body=cb)
    districts = list(
        OrgUnit.objects.filter(level=OrgUnitLevel.DISTRICT, code__startswith="12").values_list("code", flat=True)
    )

    workdir = Path(tempfile.mkdtemp(prefix="ledger-bench-"))
    from django.conf import settings

    settings.MEDIA_ROOT = workdir / "media"
    xlsx = workdir / "ledger-100k.xlsx"
    t0 = time.perf_counter()
    build_file(str(xlsx), ROWS, districts)
    print(f"built {ROWS} rows in {time.perf_counter() - t0:.1f}s ({xlsx.stat().st_size / 1e6:.1f} MB)")

    from django.core.files import File

    timings: dict[str, float] = {}

    def run_upload(label: str) -> tuple[float, LedgerUpload]:
        upload = LedgerUpload(
            programme_year_id=YEAR,
            certification_body=cb,
            uploaded_by=user,
            original_name=xlsx.name,
            file_format="xlsx",
            size_bytes=xlsx.stat().st_size,
        )
        with xlsx.open("rb") as fh:
            upload.file.save(xlsx.name, File(fh), save=False)
        upload.save()
        start = time.perf_counter()
        validate_upload(upload)
        upload.refresh_from_db()
        mid = time.perf_counter()
        assert upload.status == UploadStatus.READY, upload.message
        commit_upload(upload, actor=user)
        end = time.perf_counter()
        upload.refresh_from_db()
        timings.setdefault("validate_s", round(mid - start, 2))
        timings.setdefault("commit_s", round(end - mid, 2))
        print(
            f"{label}: validate {mid - start:.2f}s, commit {end - mid:.2f}s, total {end - start:.2f}s; "
            f"new={upload.new_count} changed={upload.changed_count} unchanged={upload.unchanged_count} "
            f"failed={upload.failed_count} -> {upload.status} {upload.result}"
        )
        return end - start, upload

    elapsed, upload = run_upload("first upload")
    assert upload.status == UploadStatus.COMMITTED and upload.new_count == ROWS, upload.message
    assert LedgerRecord.objects.count() == ROWS
    rss = peak_rss_mb()
    again, upload2 = run_upload("same file again")
    assert upload2.unchanged_count == ROWS
    rss = max(rss, peak_rss_mb())

    read_s, copy_s = floor(xlsx)
    print(
        f"floor (no validation, no staging, no audit): read the file {read_s:.2f}s + COPY the same enterprises and "
        f"records straight into their tables {copy_s:.2f}s = {ROWS / (read_s + copy_s):.0f} rows/s"
    )

    # Baseline: django-import-export with its tuned settings, same rows, same database.
    result: dict[str, object] = {
        "rows": ROWS,
        "rows_per_s": round(ROWS / elapsed),
        **timings,
        "peak_rss_mb": round(rss),
        "reupload_unchanged_s": round(again, 2),
        "floor_read_s": round(read_s, 2),
        "floor_copy_s": round(copy_s, 2),
        "floor_rows_per_s": round(ROWS / (read_s + copy_s)),
    }
    if BASELINE_ROWS > 0:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {LedgerRecord._meta.db_table}")
        base_file = xlsx
        if BASELINE_ROWS < ROWS:
            # The generator is seeded, so these are the first BASELINE_ROWS rows of the file above.
            base_file = workdir / f"ledger-{BASELINE_ROWS}.xlsx"
            build_file(str(base_file), BASELINE_ROWS, districts)
        base_elapsed, imported = baseline(base_file, cb)
        assert imported == BASELINE_ROWS, imported
        baseline_rows_per_s = BASELINE_ROWS / base_elapsed
        print(
            f"baseline (django-import-export, use_bulk, batch_size=1000, skip_diff): {base_elapsed:.1f}s "
            f"for {BASELINE_ROWS} rows = {baseline_rows_per_s:.0f} rows/s"
            + (f" (baseline rate measured on {BASELINE_ROWS} of {ROWS} rows)" if BASELINE_ROWS < ROWS else "")
        )
        result["baseline_rows_per_s"] = round(baseline_rows_per_s)
        result["baseline_measured_on_rows"] = BASELINE_ROWS
        result["ratio"] = round(ROWS / elapsed / baseline_rows_per_s, 1)
    else:
        print("baseline skipped (BENCH_BASELINE_ROWS=0)")
    print(json.dumps(result))


def floor(xlsx: Path) -> tuple[float, float]:
    """What this machine needs for the two unavoidable parts of any upload, with nothing else: reading the file
    (python-calamine, every cell as a Python value) and storing the rows the first upload stored — its new
    enterprises and its ledger records — with PostgreSQL's COPY into the real tables (their indexes, and their
    foreign keys checked at COMMIT), in one transaction. The rows are copied out, deleted and copied back in."""
    import io

    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    from enterprises.ledger.columns import DATA_SHEET
    from enterprises.models import Enterprise, EnterpriseDiscrepancy, LedgerRecord

    start = time.perf_counter()
    rows = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_name(DATA_SHEET).to_python()
    read_s = time.perf_counter() - start
    assert len(rows) == ROWS + 1, len(rows)
    del rows

    tables = [Enterprise._meta.db_table, LedgerRecord._meta.db_table]
    dumps: dict[str, bytes] = {}
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for table in tables:
            buffer = io.BytesIO()
            with raw.copy(f"COPY {table} TO STDOUT") as copy:
                for data in copy:
                    buffer.write(data)
            dumps[table] = buffer.getvalue()
        cursor.execute(f"DELETE FROM {EnterpriseDiscrepancy._meta.db_table}")
        for table in reversed(tables):
            cursor.execute(f"DELETE FROM {table}")
        for table in tables:
            cursor.execute(f"VACUUM {table}")  # back to empty tables, as the first upload found them
        start = time.perf_counter()
        with transaction.atomic():
            for table in tables:
                with raw.copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(dumps[table])
        copy_s = time.perf_counter() - start
    return read_s, copy_s


def baseline(xlsx: Path, cb: object) -> tuple[float, int]:
    import tablib
    from import_export import fields, resources, widgets

    from enterprises.ledger.columns import COLUMNS, DIMENSION_CODES, MODE_CODES
    from enterprises.models import CertificationScheme, Enterprise, Industry, LedgerRecord, MaturityLevel
    from programme.models import OrgUnit

    labels = {
        **{str(v): k for k, v in Industry.choices},
        **{str(v): k for k, v in CertificationScheme.choices},
        **{str(v): k for k, v in MaturityLevel.choices},
    }
    district_ids = dict(OrgUnit.objects.values_list("code", "pk"))
    header = {c.key: c.header for c in COLUMNS}

    class LedgerResource(resources.ModelResource):
        enterprise = fields.Field(
            attribute="enterprise", column_name="统一社会信用代码", widget=widgets.ForeignKeyWidget(Enterprise, "uscc")
        )

        class Meta:
            model = LedgerRecord
            use_bulk = True
            batch_size = 1000
            skip_diff = True
            skip_unchanged = False
            import_id_fields = ("certification_body", "enterprise", "programme_year")
            fields = (
                "programme_year",
                "certification_body",
                "enterprise",
                "reported_name",
                "reported_district",
                "reported_industry",
                "reported_employees",
                "reported_revenue",
                "dimensions",
                "modes",
                "start_date",
                "end_date",
                "experts_count",
                "problems_found",
                "problems_solved",
                "certification_fee",
                "fee_reduction",
                "certified",
                "certificate_number",
                "scheme",
                "maturity_before",
                "maturity_after",
                "content_hash",
            )

        def before_import_row(self, row, **kwargs):  # type: ignore[no-untyped-def]
            row["programme_year"] = YEAR
            row["certification_body"] = cb.pk  # type: ignore[attr-defined]
            row["reported_name"] = row[header["name"]]
            row["reported_district"] = district_ids[str(row[header["district"]])]
            row["reported_industry"] = labels[row[header["industry"]]]
            row["reported_employees"] = row[header["employees"]]
            row["reported_revenue"] = row[header["revenue"]]
            row["dimensions"] = ",".join(c for c in DIMENSION_CODES if row[header[f"dim:{c}"]] == "是")
            row["modes"] = ",".join(c for c in MODE_CODES if row[header[f"mode:{c}"]] == "是")
            for key in (
                "start_date",
                "end_date",
                "experts_count",
                "problems_found",
                "problems_solved",
                "certification_fee",
                "fee_reduction",
                "certificate_number",
            ):
                row[key] = row[header[key]]
            row["certified"] = row[header["certified"]] == "是"
            row["scheme"] = labels.get(row[header["scheme"]] or "", "")
            row["maturity_before"] = labels.get(row[header["maturity_before"]] or "", "")
            row["maturity_after"] = labels.get(row[header["maturity_after"]] or "", "")
            row["content_hash"] = ""

    start = time.perf_counter()
    with xlsx.open("rb") as fh:
        dataset = tablib.Dataset().load(fh, format="xlsx")
    for name in LedgerResource._meta.fields:
        if name != "enterprise":
            dataset.append_col([""] * dataset.height, header=name)
    result = LedgerResource().import_data(dataset, dry_run=False, raise_errors=True)
    elapsed = time.perf_counter() - start
    return elapsed, result.totals["new"] + result.totals["update"]


if __name__ == "__main__":
    main()
