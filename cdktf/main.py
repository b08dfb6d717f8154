#!/usr/bin/env python
"""cdktf app entry (``cdktf.json`` → ``app``): one PlatformStack per cloud environment.

``cdktn synth`` / ``cdktn deploy dev`` run this file; ``c360 synth`` builds the same
stacks in-process through ``toolkit.cloud.deploy``. Never add an ``__init__.py`` to this folder:
a package named ``cdktf`` would shadow the library of the same name.
"""

import sys
from pathlib import Path

# run as a script from the repository root or anywhere else: make the repo importable
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from toolkit.cloud.deploy import build_app

if __name__ == "__main__":
    build_app().synth()
