"""The content in use, and the versions customers in the middle of a flow still run on.

Reloads are validated first and swapped in one assignment: a broken edit never reaches a customer,
the old content stays, and the error names file and line.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from pathlib import Path

from bot.content.source import ContentError
from bot.engine.content import Content, content_version, load_content
from bot.logging_setup import in_episode, refusals_held

log = logging.getLogger(__name__)
KEPT_VERSIONS = 8
EPISODE = "content"  # a refused reload, until the content loads again (the log says each once: logging_setup)
REFUSED = in_episode(EPISODE, distinct=True)


class Library:
    def __init__(self, content: Content, persona: str | None = None, *, root: Path | None = None) -> None:
        self.persona = persona
        # the folder as configured (SIYU_CONTENT): reloads read it again, so a release symlink flipped to a new
        # release is followed; content.root is where it led when that content was read
        self.root = root or content.root
        self._versions: OrderedDict[str, Content] = OrderedDict()
        self.current = content
        self.refused = False  # the last reload was refused: the next valid reading is said, even if unchanged
        self._remember(content)

    @classmethod
    def load(cls, root: Path, persona: str | None = None) -> Library:
        return cls(load_content(root, persona), persona, root=root)

    def _remember(self, content: Content) -> None:
        self._versions[content.version] = content
        self._versions.move_to_end(content.version)
        while len(self._versions) > KEPT_VERSIONS:
            self._versions.popitem(last=False)

    def version(self, version: str) -> Content | None:
        return self._versions.get(version)

    def reload(self) -> bool:
        """Load the content again; True when a new version is in use."""
        root = self.root
        try:
            if content_version(root) == self.current.version:
                if self.refused:  # put back as it was: the last thing the operator saw was the refusal
                    self.refused = False
                    log.info("content is valid again; version %s (unchanged) in use%s", self.current.version,
                             refusals_held(EPISODE))
                return False
            content = load_content(root, self.persona)
        except ContentError as error:
            self.refused = True
            log.error("content reload refused, the running version %s stays:\n%s", self.current.version, error,
                      extra=REFUSED)
            return False
        except OSError as error:
            self.refused = True
            log.error("content reload failed (%s), the running version %s stays", error, self.current.version,
                      extra=REFUSED)
            return False
        self._remember(content)
        self.current = content
        if self.refused:
            self.refused = False
            log.info("content version %s in use (valid again after the refusal%s)", content.version,
                     refusals_held(EPISODE))
        else:
            log.info("content version %s in use", content.version)
        return True

    async def reload_async(self) -> bool:
        # loading builds indexes: CPU work that must not stall the event loop
        return await asyncio.get_running_loop().run_in_executor(None, self.reload)
