"""Emulators of outside services, used by the tests and the benchmarks.

Nothing here is shipped behaviour: the product wheel leaves this package out, and it is
imported from a source checkout only (pytest and ``python -m bench.…`` run from the
repository root). ``botapi_emulator`` stands in for the Telegram Bot API.
"""
