"""The base every layer stands on: errors and exit codes, version names, where things
live (paths, config), platforms, file-system helpers (atomic writes, locks), HTTP,
progress reporting and credential redaction.

May import: nothing else in gvw (only the standard library and the runtime
dependencies). Everything above may import it.
"""
