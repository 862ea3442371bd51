"""The one Piccolo app: every table and one migration history."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from web.tables import ALL_TABLES

APP_CONFIG = AppConfig(
    app_name="trainplan",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=ALL_TABLES,
    migration_dependencies=[],
    commands=[],
)
