"""The one progress bar style of the CLI's long steps."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

_console = Console(stderr=True)


def step_progress(label: str, *, show: bool = True) -> Progress:
    """A transient bar: ``<label> <what> ━━━━ 12/18 0:00:04`` on stderr, gone when done.

    Shown only on a terminal: in logs and CI a bar is noise (each step prints its summary).
    """
    return Progress(
        TextColumn(f"[bold]{label}[/bold] {{task.description}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_console,
        disable=not show or not _console.is_terminal,
        transient=True,
    )
