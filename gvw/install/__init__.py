"""The install pipeline: one installer (``installer``) that every source feeds.

A source fills a staging directory with a verified tree (``sources``): a release
archive from a mirror (``release_archive``, with ``mirror`` and ``release_index`` for
where releases come from and ``checksums``), a local archive (``local_file``), or the
``golang.org/toolchain`` module from a GOPROXY (``goproxy``, verified by Go's checksum
database, ``sumdb``). ``archive`` and ``gunzip`` extract untrusted archives;
``tree_manifest`` records the per-file digests ``gvw verify`` checks. The installer
alone takes the version's lock, cleans leftovers, checks ``go/VERSION``, writes the
manifest and commits.

May import: ``gvw.selection``, ``gvw.host``, ``gvw.store``, ``gvw.base``.
"""
