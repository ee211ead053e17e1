"""hsm's effectful shell: the code that runs every process and writes every sweep directory.

Every effect returns a ``returns`` ``IOResult`` whose failure is a frozen value from
:mod:`hsm.pure.errors` (``CommandError``, ``StateError``) with a message a user can act
on.  :mod:`hsm.effects.runner` runs argv (timeout, process-group kill, classified retry);
:mod:`hsm.effects.files` writes files atomically and keeps the append-only journal.
Scheduler verbs are thin: a line or two binding a pure parser onto ``run``.
"""
