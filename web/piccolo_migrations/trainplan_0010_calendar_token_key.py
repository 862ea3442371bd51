"""One calendar feed per token: a unique index (SQLite cannot add a UNIQUE column). Its own migration, because
Piccolo runs a migration's raw steps before the columns it adds."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T18:35:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique index on user_profile (calendar_token)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="trainplan", description=DESCRIPTION)

    async def create_index():
        from piccolo.table import Table

        class Raw(Table):
            pass

        await Raw.raw(
            'CREATE UNIQUE INDEX IF NOT EXISTS "user_profile_calendar_token_key" '
            'ON "user_profile" ("calendar_token")'
        )

    async def drop_index():
        from piccolo.table import Table

        class Raw(Table):
            pass

        await Raw.raw('DROP INDEX IF EXISTS "user_profile_calendar_token_key"')

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
