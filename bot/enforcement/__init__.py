"""Acting on group-moderation verdicts: the strike ladder, owner notices, tags, the blacklist, the audit stream."""
