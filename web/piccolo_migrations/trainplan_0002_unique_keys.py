"""Composite unique keys, as unique indexes (SQLite cannot ADD CONSTRAINT)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-28T20:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite unique indexes"

INDEXES = {
    "generation_event_job_seq_key": ("generation_event", '"job", "seq"'),
    "plan_profile_version_key": ("plan", '"profile", "version"'),
    "idempotency_key_user_key_key": ("idempotency_key", '"user", "key"'),
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="trainplan", description=DESCRIPTION)

    async def create_indexes():
        from piccolo.table import Table

        class Raw(Table):
            pass

        for name, (table, columns) in INDEXES.items():
            await Raw.raw(f'CREATE UNIQUE INDEX IF NOT EXISTS "{name}" ON "{table}" ({columns})')

    async def drop_indexes():
        from piccolo.table import Table

        class Raw(Table):
            pass

        for name in INDEXES:
            await Raw.raw(f'DROP INDEX IF EXISTS "{name}"')

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
