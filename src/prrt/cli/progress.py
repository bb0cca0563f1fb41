"""A progress bar on stderr for long runs (rich; redrawn only on a terminal).

The bar is redrawn when work is reported done, never by a thread of its own: the runs it
follows fork worker processes, and a thread running at fork time could leave the workers
a lock that is never released.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

MIN_ITEMS_FOR_BAR = 2000


@contextmanager
def progress_bar(label: str, *, total: int) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n)``; a bar shows for ``total >= MIN_ITEMS_FOR_BAR``."""
    if total < MIN_ITEMS_FOR_BAR:
        yield lambda _n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        auto_refresh=False,
    ) as progress:
        task = progress.add_task(label, total=total)

        def advance(n: int) -> None:
            progress.advance(task, n)
            progress.refresh()

        yield advance
