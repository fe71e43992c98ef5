"""The machine around gvw: Go's own environment (``goenv``: GOROOT, GOPATH, the
``go env -w`` file), the Windows user and machine environment (``winenv``) and registry
(``windows_registry``), shell integration (``shells``), and the programs in GOPATH/bin
(``gobin``, with ``buildinfo`` reading the Go and module that built each).

May import: ``gvw.store``, ``gvw.base``. Independent of ``gvw.selection``.
"""
