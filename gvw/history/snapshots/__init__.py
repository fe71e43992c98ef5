"""Environment snapshots: taken before every change, listed, compared and restored.

One concern per module: ``model`` (what a snapshot holds, the scopes), ``fileformat``
(its TOML file and the checks on the way in; ``strict`` reads a table strictly),
``capture`` (the current state), ``repository`` (the files on disk), ``kinds`` (every
kind of state, compared once for both diff and restore, as ``steps``), ``diff`` and
``display`` (changes and whole snapshots as lines), ``apply`` (checks, then carries out
a restore plan), ``putback`` (writing a file back), ``retention`` (pruning snapshots),
``service`` (ties them to one store).
"""
