"""A gvw console script as ``pip install`` writes one into a venv's bin directory, at a
path of the test's choosing: the way users run gvw when it is not on PATH."""

from __future__ import annotations

import sys
from pathlib import Path

# pip's (distlib's) console-script template
_BODY = """\
# -*- coding: utf-8 -*-
import re
import sys
from gvw.cli import main
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(main())
"""


def make_launcher(bin_dir: Path) -> Path:
    """``bin_dir/gvw``, running this checkout's gvw (with PYTHONPATH set to the repository)
    under the Python running the tests."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    launcher = bin_dir / "gvw"
    if " " in sys.executable:  # distlib's trampoline for interpreters a #! cannot name
        shebang = f"#!/bin/sh\n'''exec' \"{sys.executable}\" \"$0\" \"$@\"\n' '''\n"
    else:
        shebang = f"#!{sys.executable}\n"
    launcher.write_text(shebang + _BODY, encoding="utf-8")
    launcher.chmod(0o755)
    return launcher
