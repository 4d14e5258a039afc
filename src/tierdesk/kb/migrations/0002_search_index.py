"""The SQLite full-text index of article versions (an FTS5 virtual table). PostgreSQL needs none:
it searches the versions with to_tsvector in each version's language (kb/search.py)."""

from django.db import migrations

from tierdesk.kb.search import FTS_CREATE, FTS_DROP


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(FTS_CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(FTS_DROP)


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
