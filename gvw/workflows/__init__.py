"""What the commands do, as domain logic that returns values and never prints:
pinning (``pins``), uninstalling (``removal``), GOPATH/bin tools and their rebuild
(``tools``), installs a project asks for (``project``), verifying installed trees
(``verify``), trying a candidate Go on a project (``trying``), upgrading
(``upgrade``: verify, try, switch) and the health checks of ``gvw doctor`` (``doctor``).

May import: ``gvw.history`` and everything below it.
"""
