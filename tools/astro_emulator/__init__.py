"""Local emulator of the Astro API v1 (API tokens and their roles), for tests and demos.

Not part of the built collection. See README.md.
"""

from .control import EmulatorControl
from .emulator import Emulator

__all__ = ["Emulator", "EmulatorControl"]
