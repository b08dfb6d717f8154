"""The natural-language assistant. Implemented by issue #6."""

from toolkit.errors import NotBuiltYet


def ask(question, *, db_path):
    raise NotBuiltYet("c360 ask", 6)


def format_answer(answer):
    raise NotBuiltYet("c360 ask", 6)
