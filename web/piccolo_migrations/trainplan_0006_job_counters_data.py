from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T15:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "existing jobs: claims from attempts, event_seq from their last event"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="trainplan", description=DESCRIPTION)

    async def bring_level():
        from web.tables import GenerationJob

        await GenerationJob.raw(
            "UPDATE generation_job SET claims = attempts, event_seq = "
            "(SELECT COALESCE(MAX(seq), 0) FROM generation_event WHERE generation_event.job = generation_job.id)"
        )

    manager.add_raw(bring_level)
    return manager
