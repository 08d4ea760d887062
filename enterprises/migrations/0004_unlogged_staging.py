from django.db import migrations


def unlogged(apps, schema_editor):
    # Staged rows are transient (re-created by validating again): skip the write-ahead log on PostgreSQL.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE enterprises_ledgerstagingrow SET UNLOGGED")


def logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE enterprises_ledgerstagingrow SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0003_ledger_training_uploads")]
    operations = [migrations.RunPython(unlogged, logged)]
