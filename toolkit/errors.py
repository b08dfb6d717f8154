"""Errors the CLI turns into a one-line message and a non-zero exit."""


class C360Error(Exception):
    """A problem the user can fix: printed as one line, never as a traceback."""


class NotBuiltYet(C360Error):
    """A command whose implementation lands with a later issue."""

    def __init__(self, what: str, issue: int):
        super().__init__(f"{what} is not available yet (tracked in issue #{issue})")
