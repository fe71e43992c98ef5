"""What is known about Go releases beyond their archives: which toolchains have known
vulnerabilities (the Go vulnerability database, ``vulndb`` and ``osv``), which minor
releases Go still supports (``support``), and the small cached record of both that
read-only commands use without the network (``release_knowledge``).

May import: ``gvw.selection``, ``gvw.host``, ``gvw.store``, ``gvw.base``.
"""
