"""Which Go runs here, as the shims decide it: ``GVW_GO_VERSION``, the nearest
``.go-version``, the global file, then ``system`` (``resolver``); one PATH search for
``go`` outside the shims (``pathsearch``); what go.mod and go.work ask for (``gomod``).

May import: ``gvw.store``, ``gvw.base``. Independent of ``gvw.host``.
"""
