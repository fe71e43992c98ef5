"""What gvw did and how to undo it: the one guard every state-changing command runs
in (``changes``: snapshot first, rehash, prune, one audit entry), the audit log
(``audit``), and environment snapshots with restore and rollback (``snapshots``).

May import: ``gvw.install`` (a restore may reinstall a version) and everything below it.
"""
