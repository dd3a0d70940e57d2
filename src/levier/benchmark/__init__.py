"""National benchmark of awarded contracts (DECP): the analytical store, statistics, similar contracts.

`store`, `stats` and `similar` import no Django (the screening core may use them); the Django app adds
the `benchmark` command.
"""
