"""The one progress bar style of the CLI's long steps."""

from __future__ import annotations

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


def step_progress(label: str, *, show: bool = True) -> Progress:
    """A transient bar: ``<label> <what> ━━━━ 12/18 0:00:04`` on stderr, gone when done."""
    return Progress(
        TextColumn(f"[bold]{label}[/bold] {{task.description}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not show,
        transient=True,
    )
