"""The WeCom gateway: callback server, durable intake, workers and channel effects."""
