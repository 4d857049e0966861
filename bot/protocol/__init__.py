"""WeCom's wire protocol: the callback cipher, callback parsing and the async API client."""
