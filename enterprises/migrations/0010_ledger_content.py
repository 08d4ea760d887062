"""The ledger record and its staged row share one content model (LedgerContent)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('enterprises', '0009_upload_validated_at_label'),
        ('programme', '0003_pilot_statistics_validators'),
    ]

    operations = [
        # The staged row's reported district becomes the content model's foreign key: the column stays what it
        # was (reported_district_id, bigint, no constraint, no index), so only the state changes and the rows
        # of uploads waiting for a decision are kept.
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.RemoveField(
                model_name='ledgerstagingrow',
                name='reported_district_id',
            ),
            migrations.AddField(
                model_name='ledgerstagingrow',
                name='reported_district',
                field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='programme.orgunit'),
                preserve_default=False,
            ),
            ],
            database_operations=[],
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='certificate_number',
            field=models.CharField(blank=True, max_length=64, verbose_name='证书编号'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='certification_fee',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='认证费用（元）'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='certified',
            field=models.BooleanField(default=False, verbose_name='是否获证'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='dimensions',
            field=models.CharField(max_length=128, verbose_name='帮扶维度'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='end_date',
            field=models.DateField(verbose_name='结束日期'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='experts_count',
            field=models.PositiveIntegerField(default=0, verbose_name='参与专家（人）'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='fee_reduction',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name='减免费用（元）'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='maturity_after',
            field=models.CharField(blank=True, choices=[('initial', '初步系统'), ('effective', '有效系统'), ('improving', '持续改进'), ('leading', '领先型')], max_length=16, verbose_name='帮扶后成熟度'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='maturity_before',
            field=models.CharField(blank=True, choices=[('initial', '初步系统'), ('effective', '有效系统'), ('improving', '持续改进'), ('leading', '领先型')], max_length=16, verbose_name='帮扶前成熟度'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='modes',
            field=models.CharField(max_length=160, verbose_name='帮扶方式'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='notes',
            field=models.CharField(blank=True, max_length=500, verbose_name='备注'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='pilot_region',
            field=models.CharField(blank=True, max_length=64, verbose_name='试点区域'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='problems_found',
            field=models.PositiveIntegerField(default=0, verbose_name='发现质量问题（个）'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='problems_solved',
            field=models.PositiveIntegerField(default=0, verbose_name='解决质量问题（个）'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='reported_employees',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='从业人员（人）'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='reported_industry',
            field=models.CharField(choices=[('agriculture', '农、林、牧、渔业'), ('industry', '工业'), ('construction', '建筑业'), ('wholesale', '批发业'), ('retail', '零售业'), ('transport', '交通运输业'), ('warehousing', '仓储业'), ('postal', '邮政业'), ('accommodation', '住宿业'), ('catering', '餐饮业'), ('telecom', '信息传输业'), ('software', '软件和信息技术服务业'), ('real_estate', '房地产开发经营'), ('property_mgmt', '物业管理'), ('leasing', '租赁和商务服务业'), ('other', '其他未列明行业')], max_length=32, verbose_name='行业（填报）'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='reported_name',
            field=models.CharField(max_length=128, verbose_name='企业名称（填报）'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='reported_revenue',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='营业收入（万元）'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='reported_size_class',
            field=models.CharField(choices=[('large', '大型'), ('medium', '中型'), ('small', '小型'), ('micro', '微型'), ('unknown', '未知')], default='unknown', max_length=16, verbose_name='企业规模（按填报测算）'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='scheme',
            field=models.CharField(blank=True, choices=[('iso9001', 'ISO 9001质量管理体系'), ('iso14001', 'ISO 14001环境管理体系'), ('iso45001', 'ISO 45001职业健康安全管理体系'), ('iso22000', 'ISO 22000食品安全管理体系'), ('haccp', 'HACCP危害分析与关键控制点'), ('other', '其他')], max_length=16, verbose_name='认证类别'),
        ),
        migrations.AlterField(
            model_name='ledgerstagingrow',
            name='start_date',
            field=models.DateField(verbose_name='开始日期'),
        ),
    ]
