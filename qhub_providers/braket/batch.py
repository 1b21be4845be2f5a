"""``HubQuantumTaskBatch``: Hub jobs submitted together, used like Braket's ``AwsQuantumTaskBatch``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, TypeVar

from braket.tasks.quantum_task_batch import QuantumTaskBatch

from qhub_providers._polling import wait_for_final_status
from qhub_providers.api.models import TERMINAL_JOB_STATUSES
from qhub_providers.braket.states import NO_RESULT_TERMINAL_STATES, TERMINAL_STATES
from qhub_providers.braket.task import HubQuantumTask
from qhub_providers.progress import WaitProgress

if TYPE_CHECKING:
    from qhub_providers.braket.task import TaskResult

__all__ = ["HubQuantumTaskBatch", "Submission"]

Submission = Callable[[], HubQuantumTask]
"""Creates one new Hub job for one entry of the batch; called again for every retry of that entry."""

# A pseudo-status that ends a worker's wait once every task of the batch has been submitted.
_SLOT_RELEASED = "__all_submitted__"
_MAX_POLLING_THREADS = 32
# How often a shown progress bar reads the states the waiting threads have seen (no extra requests).
_PROGRESS_INTERVAL = 0.2
# Shown for a task whose wait gave up (poll_timeout_seconds) before it reached a final state.
_TIMED_OUT = "TIMED_OUT"

T = TypeVar("T")


class HubQuantumTaskBatch(QuantumTaskBatch):
    """Tasks run together on one Hub device; made by :meth:`HubBraketDevice.run_batch`.

    At most ``max_parallel`` tasks are in flight at once while the batch is being submitted: a new one is
    created only when an earlier one has ended, as Braket does, so a batch never floods a device's queue.
    """

    MAX_RETRIES = 3

    def __init__(self, submissions: Sequence[Submission], *, max_parallel: int) -> None:
        if isinstance(max_parallel, bool) or not isinstance(max_parallel, int) or max_parallel < 1:
            raise ValueError(f"max_parallel must be a positive integer, got {max_parallel!r}")
        self._submissions = list(submissions)
        self._max_parallel = max_parallel
        self._tasks: list[HubQuantumTask] = self._launch(self._submissions)
        self._results: list[TaskResult | None] | None = None
        self._unsuccessful: set[str] = set()

    @property
    def tasks(self) -> list[HubQuantumTask]:
        """The tasks, in the order of the task specifications (retries replace failed ones)."""
        return list(self._tasks)

    @property
    def size(self) -> int:
        """The number of tasks in the batch."""
        return len(self._tasks)

    @property
    def unfinished(self) -> set[str]:
        """Ids of the tasks that have not reached a final state (asks the Hub); tasks found FAILED or
        CANCELLED are added to :attr:`unsuccessful`."""
        states = self._each(lambda task: task.state(), self._tasks)
        unfinished = set()
        for task, state in zip(self._tasks, states, strict=True):
            if state not in TERMINAL_STATES:
                unfinished.add(task.id)
            elif state in NO_RESULT_TERMINAL_STATES:
                self._unsuccessful.add(task.id)
        return unfinished

    @property
    def unsuccessful(self) -> set[str]:
        """Ids of the tasks that ended without a result (FAILED, CANCELLED) or timed out."""
        return set(self._unsuccessful)

    def results(
        self,
        fail_unsuccessful: bool = False,
        max_retries: int = MAX_RETRIES,
        use_cached_value: bool = True,
        *,
        progress: bool | None = None,
    ) -> list[TaskResult | None]:
        """Wait for every task and return the results in task order; ``None`` for a task without one.

        Tasks without a result are submitted again, up to ``max_retries`` rounds. With ``fail_unsuccessful``
        a task still without a result after that raises ``RuntimeError``. Results are cached; pass
        ``use_cached_value=False`` to fetch them again. ``progress=True`` shows a bar of finished out of
        total tasks with the number of tasks per state on stderr (``None``: only if ``QHUB_PROGRESS=1``).
        """
        label = f"batch of {self.size} task{'' if self.size == 1 else 's'}"
        with WaitProgress(
            self.size, label=label, progress=progress, final=TERMINAL_STATES | {_TIMED_OUT}, unit="task"
        ) as shown:
            if self._results is None or not use_cached_value:
                self._results = self._each(lambda task: task.result(), self._tasks, shown)
                self._unsuccessful = {
                    task.id for task, result in zip(self._tasks, self._results, strict=True) if result is None
                }
            else:
                _show_states(shown, range(self.size), self._tasks, [True] * self.size)
            rounds = 0
            while self._unsuccessful and rounds < max_retries:
                self._retry_unsuccessful(shown)
                rounds += 1
        if fail_unsuccessful and self._unsuccessful:
            raise RuntimeError(
                f"{len(self._unsuccessful)} of {self.size} tasks have no result after {max_retries} "
                f"retries: {', '.join(sorted(self._unsuccessful))}"
            )
        return list(self._results)

    def retry_unsuccessful_tasks(self) -> bool:
        """Submit every task without a result again, wait for the new ones, and say whether all succeeded.

        Call :meth:`results` first; the new tasks replace the failed ones in :attr:`tasks`.
        """
        return self._retry_unsuccessful(None)

    def __repr__(self) -> str:
        return f"HubQuantumTaskBatch(size={self.size}, max_parallel={self._max_parallel})"

    # -- internals -------------------------------------------------------------------------------------

    def _retry_unsuccessful(self, shown: WaitProgress | None) -> bool:
        if self._results is None:
            raise RuntimeError("call results() before retry_unsuccessful_tasks()")
        failed = [index for index, result in enumerate(self._results) if result is None]
        if not failed:
            return True
        retried = self._launch([self._submissions[index] for index in failed])
        retried_results = self._each(lambda task: task.result(), retried, shown, failed)
        for index, task, result in zip(failed, retried, retried_results, strict=True):
            self._tasks[index] = task
            self._results[index] = result
        self._unsuccessful = {
            task.id for task, result in zip(retried, retried_results, strict=True) if result is None
        }
        return not self._unsuccessful

    def _launch(self, submissions: Sequence[Submission]) -> list[HubQuantumTask]:
        """Submit with at most ``max_parallel`` tasks in flight until the last one is submitted."""
        waiting = len(submissions)
        lock = threading.Lock()

        def submit_and_hold(submit: Submission) -> HubQuantumTask:
            nonlocal waiting
            try:
                task = submit()
            finally:
                with lock:
                    waiting -= 1

            def status() -> str:
                # The worker keeps its slot while the task runs, but only as long as there is something
                # left to submit; after that nothing needs the slot.
                with lock:
                    if waiting <= 0:
                        return _SLOT_RELEASED
                return task._fetch_hub_status()

            wait_for_final_status(
                task.id, status, backoff=task._backoff(), final=TERMINAL_JOB_STATUSES | {_SLOT_RELEASED}
            )
            return task

        with ThreadPoolExecutor(max_workers=min(self._max_parallel, max(1, len(submissions)))) as pool:
            futures = [pool.submit(submit_and_hold, submit) for submit in submissions]
        # The first submission error is raised once the others are done; jobs already created keep running.
        return [future.result() for future in futures]

    @staticmethod
    def _each(
        action: Callable[[HubQuantumTask], T],
        tasks: Sequence[HubQuantumTask],
        shown: WaitProgress | None = None,
        places: Sequence[int] | None = None,
    ) -> list[T]:
        """``action`` on every task, in parallel threads (each one blocks on HTTP or on waiting).

        With a shown progress bar, this thread redraws it from the states the workers last saw; ``places``
        are the tasks' positions in the batch (all of it by default).
        """
        workers = max(1, min(len(tasks), _MAX_POLLING_THREADS))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(action, task) for task in tasks]
            if shown is not None and shown.enabled:
                positions = range(len(tasks)) if places is None else places
                pending = set(futures)
                while True:
                    _show_states(shown, positions, tasks, [future.done() for future in futures])
                    if not pending:
                        break
                    _, pending = wait(pending, timeout=_PROGRESS_INTERVAL, return_when=FIRST_COMPLETED)
            return [future.result() for future in futures]


def _show_states(
    shown: WaitProgress, positions: Sequence[int], tasks: Sequence[HubQuantumTask], waited: Sequence[bool]
) -> None:
    """Report each task's last seen state; a task whose wait ended short of a final state timed out."""
    states = {}
    for position, task, ended in zip(positions, tasks, waited, strict=True):
        state = task.state(use_cached_value=True)
        states[str(position)] = _TIMED_OUT if ended and state not in TERMINAL_STATES else state
    shown.update_all(states)
