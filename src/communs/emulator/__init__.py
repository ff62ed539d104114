"""A local forge that speaks the GitHub, GitLab and Gitea APIs, for the demo, tests and benchmarks.

Pure Python (the standard library's HTTP server, ``git`` for repositories), no Django:
``communs emulator serve`` is a thin management command over it. The world it serves
comes from the demo generator (:mod:`communs.emulator.world`); each forge dialect lives
in its own module (:mod:`~communs.emulator.github`, :mod:`~communs.emulator.gitlab`,
:mod:`~communs.emulator.gitea`, :mod:`~communs.emulator.graphql`); the server
(:mod:`communs.emulator.server`) adds ETags, budgets, faults and statistics.
"""

from __future__ import annotations

from communs.emulator.server import Emulator, EmulatorServer, Settings
from communs.emulator.world import SIZES, World, build_world

__all__ = ["SIZES", "Emulator", "EmulatorServer", "Settings", "World", "build_world"]
