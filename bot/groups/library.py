"""The groups/ content in use: loaded with the rest of the content, reloaded with it, never half-broken.

A reload that fails keeps the running version and logs the problems with file:line, like flows do.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bot.content.source import ContentError
from bot.engine.content import Content
from bot.groups.content import GroupContent, load_groups
from bot.logging_setup import in_episode, refusals_held

log = logging.getLogger(__name__)
EPISODE = "groups"  # a refused groups/ reload, until groups/ loads again
REFUSED = in_episode(EPISODE, distinct=True)


class GroupLibrary:
    def __init__(self, current: GroupContent | None) -> None:
        self.current = current
        self.refused = False  # the last reload was refused: the next valid reading is said, even if unchanged

    @classmethod
    def load(cls, content: Content) -> GroupLibrary:
        """Raises ContentError, so that start-up refuses broken group content."""
        return cls(_load(content))

    def get(self) -> GroupContent | None:
        return self.current

    def reload(self, content: Content) -> bool:
        try:
            loaded = _load(content)
        except ContentError as error:
            self.refused = True
            log.error("groups/ reload refused, the running version stays:\n%s", error, extra=REFUSED)
            return False
        except OSError as error:
            self.refused = True
            log.error("groups/ reload failed (%s), the running version stays", error, extra=REFUSED)
            return False
        changed = (loaded.version if loaded else "") != (self.current.version if self.current else "")
        self.current = loaded
        version = loaded.version if loaded else "(none)"
        if self.refused:
            self.refused = False
            log.info("groups/ content is valid again; version %s%s in use%s", version,
                     "" if changed else " (unchanged)", refusals_held(EPISODE))
        elif changed:
            log.info("groups content version %s in use", version)
        return changed

    @staticmethod
    def folder(root: Path) -> Path:
        return root / "groups"


def _load(content: Content) -> GroupContent | None:
    detector = getattr(content, "moderation", None)  # knowledge/moderation.yaml, when the content has it
    spec = getattr(detector, "spec", None)
    categories = spec.categories if spec is not None else None
    return load_groups(content.root, content.personas, content.rules, content.default_persona, categories)
