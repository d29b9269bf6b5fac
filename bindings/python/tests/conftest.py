"""Shared fixtures: the count of corpus files the behaviour cases checked, printed per folder at
the end of the run so a run that silently skipped the corpus is visible."""

import collections

import pytest

_CORPUS_COUNTS = collections.Counter()


@pytest.fixture
def corpus_counts():
    return _CORPUS_COUNTS


def pytest_terminal_summary(terminalreporter):
    if _CORPUS_COUNTS:
        parts = ", ".join(f"{folder}/ {n}" for folder, n in sorted(_CORPUS_COUNTS.items()))
        terminalreporter.write_line(f"corpus cases passed per folder: {parts}")
    else:
        terminalreporter.write_line("corpus: no case checked a corpus file")
