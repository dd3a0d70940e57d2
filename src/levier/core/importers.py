"""What `levier import <kind>` can import, one entry per bounded context.

Each entry names a module that exposes `help` (French, one line), `add_arguments(parser)` and
`run(options, stdout, stderr) -> int` (the exit status). The command stays in core so the terminal has one
`import` verb while each app keeps its own importer.
"""

IMPORT_KINDS = {
    "structures": "levier.directory.import_command",
    "plan": "levier.plans.import_command",
    "decp": "levier.benchmark.import_command",
}
