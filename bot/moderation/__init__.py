"""Customer-group moderation: what a message is, the rules in content, and the verdict with its evidence.

Public interface (docs/moderation.md):
- `Message`, `Role`: what a message source hands in;
- `Verdict`, `Evidence`, `Action`, `Severity`: what comes back;
- `Detector`: built from `knowledge/moderation.yaml` (`Content.moderation`), stateless `judge(message)`;
- `Moderator`: `await judge(message)` adding flood and cross-group repeats on the Store.
"""

from bot.moderation.detector import Detector
from bot.moderation.load import ModerationContent, load_moderation
from bot.moderation.message import Action, Evidence, Message, Role, Severity, Verdict
from bot.moderation.moderator import Moderator

__all__ = ["Action", "Detector", "Evidence", "Message", "ModerationContent", "Moderator", "Role", "Severity",
           "Verdict", "load_moderation"]
