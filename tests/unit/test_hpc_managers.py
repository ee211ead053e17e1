"""The seed API's manager classes: one per scheduler family of the registry."""

from __future__ import annotations

import hsm
from hsm.api import make_backend
from hsm.hpc import MANAGERS, HPCJobManager, SGEJobManager
from hsm.pure.schedulers import SCHEDULERS


def test_every_family_of_the_registry_has_one_manager() -> None:
    families = {s.name for s in SCHEDULERS.values()}
    assert sorted(m.family for m in MANAGERS) == sorted(families)
    for manager in MANAGERS:
        assert issubclass(manager, HPCJobManager)
        assert SCHEDULERS[manager.default_backend].name == manager.family


def test_the_grid_engine_manager() -> None:
    manager = SGEJobManager(walltime="00:10:00", backend=make_backend("sge"))
    assert (manager.scheduler_name, manager.submit_command, manager.status_command) == (
        "sge",
        "qsub",
        "qstat",
    )
    assert SGEJobManager.default_backend == "sge"
    assert hsm.SGEJobManager is SGEJobManager
    assert "SGEJobManager" in hsm.__all__
