"""The one scoring engine under every path: files, the HTTP service and streams.

A stream state (:class:`StreamState`) holds all that is needed to score the
next rows of one series with one model: the trailing rows the detector needs,
the threshold's running state, the last timestamp and the latest answers.
:func:`advance` is a pure function (model, state, new rows) -> (answers for
exactly those rows, new state); scoring a series whole or in pieces of any
size gives the same answers. ``anomalia detect`` feeds each series whole,
``/v1/detect`` each request's series, ``/v1/streams`` one update at a time.
"""

from anomalia.engine.state import StreamState, load_state, save_state
from anomalia.engine.step import Answers, StreamModel, advance, check_streamable, start

__all__ = [
    "Answers",
    "StreamModel",
    "StreamState",
    "advance",
    "check_streamable",
    "load_state",
    "save_state",
    "start",
]
