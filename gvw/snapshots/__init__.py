"""Environment snapshots: taken before every change, listed, compared and restored.

One concern per module: ``model`` (what a snapshot holds, its TOML form and checks),
``buildinfo`` (the Go version and module inside a program), ``capture`` (the current
state), ``repository`` (the files on disk), ``diff`` (changes as lines), ``apply``
(restore), ``retention`` (pruning), ``service`` (ties them to one store).
"""
