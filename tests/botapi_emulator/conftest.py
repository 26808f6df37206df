"""Expose the emulator fixtures to this package's tests."""

from .fixtures import botapi_emulator, emulated_bot  # noqa: F401
