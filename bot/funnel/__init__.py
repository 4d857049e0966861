"""The funnel: what the bot did for customers, counted per acquisition channel and step (docs/followups.md)."""
