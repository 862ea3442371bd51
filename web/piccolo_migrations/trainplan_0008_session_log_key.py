"""One log per session of a plan: a unique index (SQLite cannot ADD CONSTRAINT). Its own migration, because
Piccolo runs a migration's raw steps before the tables it adds."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T17:52:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique index on session_log (plan, week, session)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="trainplan", description=DESCRIPTION)

    async def create_index():
        from piccolo.table import Table

        class Raw(Table):
            pass

        await Raw.raw(
            'CREATE UNIQUE INDEX IF NOT EXISTS "session_log_plan_week_session_key" '
            'ON "session_log" ("plan", "week", "session")'
        )

    async def drop_index():
        from piccolo.table import Table

        class Raw(Table):
            pass

        await Raw.raw('DROP INDEX IF EXISTS "session_log_plan_week_session_key"')

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
