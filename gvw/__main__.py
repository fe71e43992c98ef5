"""``python -m gvw``, and the command gvw records and prints to run itself:
``<python> -I <this file>`` (:func:`gvw.host.shells.gvw_command`).

Isolated mode (``-I``) keeps the current directory, PYTHONPATH and the other PYTHON*
variables out of the interpreter, so a repository holding a ``gvw/`` package of its
own cannot take the place of this one. It also leaves out the user's site-packages:
when gvw lives there (``pip install --user``) or anywhere else off the interpreter's
own path, the directory holding this package is added back, with its ``.pth`` files.
"""

if not __package__:  # run as a file, not as ``-m gvw``
    import os
    import site
    import sys

    _HOME = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if _HOME not in sys.path:
        site.addsitedir(_HOME)

from gvw.cli import main

main()
