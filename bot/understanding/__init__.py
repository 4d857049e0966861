"""Customer understanding: normalisation, the knowledge base, intents and fuzzy FAQ matching."""
