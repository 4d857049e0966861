"""Operator content (YAML) loaded with line numbers, validated, errors as `file:line:col: message`."""
