"""Team lists page by (name, id) and search names by any part: a btree for the first, and on
PostgreSQL a trigram index for the second (Django's icontains is UPPER(name) LIKE UPPER('%q%')).
pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it. SQLite,
the embedded default, searches its few teams without it."""

from django.db import migrations, models

# fastupdate off: teams are written rarely and searched often, so new names go straight into
# the index rather than into a pending list every search must read until the next vacuum.
TRIGRAM_INDEX = (
    "CREATE INDEX IF NOT EXISTS team_name_trgm_idx ON accountability_team"
    " USING gin (UPPER(name::text) gin_trgm_ops) WITH (fastupdate = off)"
)


def _trigram_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(TRIGRAM_INDEX)


def _drop_trigram_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS team_name_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("accountability", "0006_dispatch_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="team",
            index=models.Index(fields=["name", "id"], name="team_name_id_idx"),
        ),
        migrations.RunPython(_trigram_index, _drop_trigram_index, elidable=False),
    ]
