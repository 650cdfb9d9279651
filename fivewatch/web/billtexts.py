"""A bill's stored text versions as the pages and the API address them, and their diffs.

A version is addressed by its key: its code ("rh"), or "code:issue" ("rh:2") for a code the
source issued more than once. A bare code that was re-issued means its newest issue, and every
answer names the issue it used, so an older issue is never shown in its place unannounced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from models import BillText, Document
from models.billtext import Section, TextDiff, diff_sections, sections_from_json

KEY_PATTERN = r"^[A-Za-z0-9_-]{1,16}(:[1-9][0-9]{0,3})?$"
_KEY = re.compile(KEY_PATTERN)


@dataclass(frozen=True)
class TextVersion:
    row: BillText
    issue: int  # 1-based among the bill's rows sharing this code, in stage order
    issues: int  # how many rows share this code

    @property
    def key(self) -> str:
        return self.row.code if self.issues == 1 else f"{self.row.code}:{self.issue}"

    @property
    def name(self) -> str:
        """`rh`, or `rh (issue 2 of 2)` for a re-issued code."""
        code = self.row.code
        return code if self.issues == 1 else f"{code} (issue {self.issue} of {self.issues})"

    @cached_property
    def sections(self) -> list[Section]:
        return sections_from_json(self.row.sections)


class UnknownVersion(LookupError):
    """No stored version has this key; the message names those that exist."""

    def __init__(self, key: str, versions: list[TextVersion]) -> None:
        stored = ", ".join(version.key for version in versions) or "none"
        super().__init__(f"No text version {key!r} of this bill (stored: {stored})")
        self.versions = versions


class SameVersion(ValueError):
    """A diff asked between a version and itself."""


def versions_of(bill: Document) -> list[TextVersion]:
    """The bill's text versions in stage order, each with its issue number."""
    rows = sorted(bill.texts, key=lambda row: (row.sequence, row.id))
    issues = {row.code: sum(1 for other in rows if other.code == row.code) for row in rows}
    seen: dict[str, int] = {}
    versions = []
    for row in rows:
        seen[row.code] = seen.get(row.code, 0) + 1
        versions.append(TextVersion(row, seen[row.code], issues[row.code]))
    return versions


def find_version(versions: list[TextVersion], key: str) -> TextVersion:
    """The version `key` names (a re-issued code alone: its newest issue); UnknownVersion."""
    code, _, issue = key.partition(":")
    if _KEY.match(key):
        same_code = [version for version in versions if version.row.code == code]
        chosen = same_code[int(issue) - 1 : int(issue)] if issue else same_code[-1:]
        if chosen:
            return chosen[0]
    raise UnknownVersion(key, versions)


def version_before(versions: list[TextVersion], version: TextVersion) -> TextVersion | None:
    """The version before `version` in stage order (what it is compared with first)."""
    at = versions.index(version)
    return versions[at - 1] if at > 0 else None


@dataclass(frozen=True)
class VersionDiff:
    old: TextVersion
    new: TextVersion
    diff: TextDiff


def compare(versions: list[TextVersion], old_key: str, new_key: str) -> VersionDiff:
    """What changed from one version to another (either order); UnknownVersion, SameVersion."""
    old, new = find_version(versions, old_key), find_version(versions, new_key)
    if old.row.id == new.row.id:
        raise SameVersion(f"Pick two different versions to compare, not {old.name} twice")
    return VersionDiff(old, new, diff_sections(old.sections, new.sections))


def newest_pair(versions: list[TextVersion]) -> tuple[str, str] | None:
    """The keys of the two newest versions (what the diff form offers first), if two exist."""
    if len(versions) < 2:
        return None
    return versions[-2].key, versions[-1].key
