"""Run inside the app's own interpreter (``python -c <this file's text>``): compose tasks'
configs with the app's ``@hydra.main`` and say which task does not compose.

Strategy: this file is never imported by hsm; :mod:`hsm.effects.hydra_check` passes its
text to the interpreter that runs the tasks, so it needs nothing but the standard
library and the app's own Hydra.  It runs the script as ``__main__`` (as ``python
app.py`` would) with Hydra's ``_run_hydra`` replaced by a function that builds the app's
config search path the way ``_run_hydra`` does, then composes each task's config in run
mode with the task's arguments -- exactly what the task will do on the cluster, minus
running it.  ``argv[1]`` is the request (JSON: ``script``, ``tasks`` as ``[index,
[arg, ...]]``), ``argv[2]`` where the answer goes (JSON: ``checked``, or the first
failing ``task`` with Hydra's ``message`` and the ``key`` it names, or ``error``).
"""

from __future__ import annotations

import json
import os
import re
import runpy
import sys
from typing import Any

_KEY_PATTERNS = (
    re.compile(r"[Cc]ould not (?:override|append to config) '([^']+)'"),
    re.compile(r"[Cc]ould not find '([^']+)/[^'/]*'"),  # group/option: the key is the group
    re.compile(r"[Kk]ey '([^']+)'"),
)


class _Done(BaseException):
    """Stops the app once its configs are composed (never caught by the app's code)."""


def key_of(error: BaseException) -> str | None:
    """The config key a Hydra composition error names (``lrr`` for ``Could not override
    'lrr'``), if any."""
    for cause in (error, error.__cause__, error.__context__):
        key = getattr(cause, "full_key", None)
        if key:
            return str(key)
    for pattern in _KEY_PATTERNS:
        found = pattern.search(str(error))
        if found:
            return found.group(1)
    return None


def _compose(answer: dict[str, Any], tasks: list[tuple[int, list[str]]]) -> Any:
    def run_hydra(
        args: Any, args_parser: Any, task_function: Any, config_path: Any, config_name: Any,
        caller_stack_depth: int = 2,
    ) -> None:  # fmt: skip
        from hydra._internal import utils
        from hydra._internal.hydra import Hydra
        from hydra.types import RunMode

        config_name = args.config_name if args.config_name is not None else config_name
        config_path = args.config_path if args.config_path is not None else config_path
        calling_file, calling_module = utils.detect_calling_file_or_module_from_task_function(
            task_function
        )
        task_name = utils.detect_task_name(calling_file, calling_module)
        search_path = utils.create_automatic_config_search_path(
            calling_file, calling_module, config_path
        )
        hydra = Hydra.create_main_hydra2(task_name=task_name, config_search_path=search_path)
        for index, argv in tasks:
            try:
                hydra.compose_config(
                    config_name=config_name,
                    overrides=list(argv),
                    run_mode=RunMode.RUN,
                    with_log_configuration=False,
                )
            except Exception as error:  # Hydra's own words are the message
                answer.update(task=index, message=str(error), key=key_of(error))
                raise _Done from None
        answer["checked"] = len(tasks)
        raise _Done

    return run_hydra


def main() -> None:
    request_path, answer_path = sys.argv[1], sys.argv[2]
    with open(request_path, encoding="utf-8") as given:
        request = json.load(given)
    answer: dict[str, Any] = {}
    script = request["script"]
    try:
        import hydra.main  # noqa: F401  (the module; ``hydra.main`` the name is the decorator)
    except ImportError as error:
        answer["error"] = f"{sys.executable} cannot import hydra ({error})"
    else:
        sys.modules["hydra.main"]._run_hydra = _compose(answer, request["tasks"])  # type: ignore[attr-defined]
        sys.argv = [script]
        sys.path.insert(0, os.path.dirname(os.path.abspath(script)))  # as `python app.py`
        try:
            runpy.run_path(script, run_name="__main__")
        except _Done:
            pass
        except BaseException as error:  # the app itself failed before composing
            answer["error"] = f"running {script} failed: {type(error).__name__}: {error}"
        if not answer:
            answer["error"] = f"{script} ended without calling a @hydra.main function"
    with open(answer_path, "w", encoding="utf-8") as out:
        json.dump(answer, out)


if __name__ == "__main__":
    main()
