"""Purchase plans: plans, planned purchases and lots, the validation workflow, the import of buyers' files."""
