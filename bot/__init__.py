"""siyu-bot: a WeCom bot for private-domain customer operations."""

__version__ = "0.1.0"
