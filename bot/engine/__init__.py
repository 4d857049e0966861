"""The dialogue engine: operator-authored flows, voiced by a persona, on the understanding layer."""
