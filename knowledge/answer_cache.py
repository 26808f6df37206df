"""Answers lately given, for the questions many people ask at once.

After a publicity campaign hundreds of enterprises ask the same few questions within
minutes. An answer depends only on the index version, the question, its reading (the
earlier question of a follow-up), the locale, whether expired documents count and the day
whose documents are in force: with all of these in the key, a repeat gets the same
answer without the query embedding and the search. A new index version makes the old
entries unreachable; they leave as newer ones come in (least recently used first).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Hashable

from knowledge.answer import Answer


class AnswerCache:
    """At most ``size`` answers (0: none kept). Thread-safe: questions are answered in
    several threads. Each caller gets its own copy of an answer (the caller records its
    open question on it)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict[Hashable, Answer] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> Answer | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._answers.move_to_end(key)
            self.hits += 1
        return _copy(answer)

    def put(self, key: Hashable, answer: Answer) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._answers[key] = _copy(answer)
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)

    def __len__(self) -> int:
        return len(self._answers)


def _copy(answer: Answer) -> Answer:
    return dataclasses.replace(answer, sources=list(answer.sources))
