"""hsm's pure core: data in, data (or ``Result``) out; no processes, files, clock or environment.

A test (tests/unit/test_purity.py) fails if any module here imports ``subprocess``,
``os``, ``time``, ``returns.io`` or similar.
"""
