"""On PostgreSQL, a trigram index makes searching open tickets' subjects by words fast
(`subject__icontains` becomes `UPPER(subject) LIKE UPPER(%s)`, which the index serves). SQLite has
no such index; its desks are small enough to scan."""

from django.db import migrations

OPEN = "('acknowledged', 'in_progress', 'new', 'waiting_customer', 'waiting_vendor')"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS ticket_open_subject_trgm ON tickets_ticket "
        f"USING gin (UPPER(subject) gin_trgm_ops) WHERE status IN {OPEN}"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS ticket_open_subject_trgm")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_open_ticket_indexes")]
    operations = [migrations.RunPython(create, drop)]
