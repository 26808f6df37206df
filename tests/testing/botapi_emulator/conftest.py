"""Expose the emulator fixtures to the emulator's own tests."""

from testing.botapi_emulator.fixtures import botapi_emulator, emulated_bot  # noqa: F401
