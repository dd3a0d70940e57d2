"""The directory of inclusive structures: models, imports from the official lists, manual edits."""
