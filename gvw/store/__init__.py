"""The version store on disk: installed versions, staging, trash, locks, install
metadata (``version_store``), and the shims that run them (``shims``: writing the
``go``/``gofmt``/``go<version>`` launchers and recording how to run gvw).

May import: ``gvw.base``.
"""
