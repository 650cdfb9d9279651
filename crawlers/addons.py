"""Scrapy add-ons: settings that follow from other settings, however the crawl was started."""

from __future__ import annotations

from scrapy.settings import BaseSettings

# Replay never touches the network: no robots.txt to fetch (it is not in cassettes), and no
# politeness delays towards nobody.
REPLAY_OVERRIDES = {"ROBOTSTXT_OBEY": False, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0}


class ReplayAddon:
    """Applies REPLAY_OVERRIDES when FIVEWATCH_REPLAY_DIR is set.

    `fivewatch crawl --replay` sets the folder in code, Scrapyd as `-s` on the command line;
    add-ons run after both and before the settings freeze, so both crawls behave the same.
    Project priority: it must beat settings.py's politeness, not an explicit `-s`.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        if settings.get("FIVEWATCH_REPLAY_DIR"):
            for name, value in REPLAY_OVERRIDES.items():
                settings.set(name, value, priority="project")
