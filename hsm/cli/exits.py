"""The exit codes of ``hsm``: one table, read by the help text and by the error mapping.

Imports nothing, so ``hsm --help`` can show the table without loading the library.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_SCHEDULER = 3
EXIT_SWEEP_STATE = 4
EXIT_TASKS_FAILED = 5
EXIT_INTERRUPTED = 130

EXIT_CODES = f"""\
exit codes:
  {EXIT_OK}    success
  {EXIT_USAGE}    usage or configuration error (bad flag, walltime, YAML, unknown key...)
  {EXIT_SCHEDULER}    scheduler error (command failed, submission refused, unreachable)
  {EXIT_SWEEP_STATE}    sweep-state error (sweep directory missing, damaged or tampered)
  {EXIT_TASKS_FAILED}    with --wait: some tasks failed, were cancelled or were lost
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C); 143 / 129 when stopped by SIGTERM / SIGHUP
  {EXIT_INTERNAL}    internal error (a bug: please report it with --debug output)
"""
