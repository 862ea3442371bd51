from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T15:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "generation_job.claims (the fencing token) and event_seq (the number of its last event)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="trainplan", description=DESCRIPTION)

    manager.add_column(
        table_class_name="GenerationJob",
        tablename="generation_job",
        column_name="claims",
        db_column_name="claims",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="GenerationJob",
        tablename="generation_job",
        column_name="event_seq",
        db_column_name="event_seq",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    # Existing jobs are brought level by the next migration (0006), once these columns exist.
    return manager
