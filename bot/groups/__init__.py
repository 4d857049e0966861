"""Customer groups: the registry, group types from content, welcome templates, joins and leaves."""
