"""The embedded R session: rpy2 started once, anomaliaR loaded from the project library.

The R library searched first is ``ANOMALIA_R_LIBRARY`` when set, else the
repository's ``.Rlib`` (where ``make install`` puts anomaliaR). R errors that
anomaliaR raises on purpose come back as :class:`DataError` or
:class:`ConfigError` with R's message.
"""

from __future__ import annotations

import logging
import os
from functools import cache
from pathlib import Path
from typing import Any

from anomalia.exceptions import ConfigError, DataError, MissingDependencyError, NotFittedError

log = logging.getLogger(__name__)

PROJECT_LIBRARY = Path(__file__).resolve().parents[3] / ".Rlib"

_INSTALL_R = "install R and its packages with `bash deployment/install_system.sh`"
_INSTALL_PACKAGE = "install it with `make install` (R CMD INSTALL --library=.Rlib R)"

# Calls an anomaliaR function and returns its value, or the class and message
# of an error it raised on purpose, so Python can raise the matching exception.
_CALL = """
function(f, ...) {
  tryCatch(
    list(ok = TRUE, value = f(...)),
    anomalia_error = function(e) {
      list(ok = FALSE, class = class(e)[[1]], message = conditionMessage(e))
    }
  )
}
"""

_ERRORS: dict[str, type[Exception]] = {
    "anomalia_data_error": DataError,
    "anomalia_argument_error": ConfigError,
    "anomalia_not_fitted_error": NotFittedError,
    "anomalia_dependency_error": MissingDependencyError,
}


def library_path() -> Path:
    """The R library holding anomaliaR."""
    return Path(os.environ.get("ANOMALIA_R_LIBRARY") or PROJECT_LIBRARY)


@cache
def _session() -> tuple[Any, Any]:
    library_paths = os.environ.get("LD_LIBRARY_PATH")
    try:
        import rpy2.robjects as robjects
        from rpy2.rinterface_lib import callbacks
    except ImportError as error:
        raise MissingDependencyError(
            f"the R bridge needs rpy2 ({error}): pip install 'anomalia[r]', and {_INSTALL_R}"
        ) from None
    except Exception as error:  # rpy2 raises plain errors when R itself is missing
        raise MissingDependencyError(f"R could not be started ({error}); {_INSTALL_R}") from None
    finally:
        # Starting R sets LD_LIBRARY_PATH (R's ldpaths) in this process, which
        # would make Python subprocesses load the system's libpython; R has
        # loaded its libraries by now. (R_HOME stays: R needs it.)
        if library_paths is None:
            os.environ.pop("LD_LIBRARY_PATH", None)
        else:
            os.environ["LD_LIBRARY_PATH"] = library_paths
    # R's console output goes to the log, not to stdout.
    callbacks.consolewrite_print = lambda text: log.debug("R: %s", text.rstrip())
    callbacks.consolewrite_warnerror = lambda text: log.debug("R: %s", text.rstrip())
    library = library_path()
    robjects.r[".libPaths"](robjects.StrVector([str(library), *robjects.r[".libPaths"]()]))
    loaded = robjects.r["requireNamespace"]("anomaliaR", quietly=True)[0]
    if not loaded:
        raise MissingDependencyError(
            f"the R package anomaliaR is not installed in {library}; {_INSTALL_PACKAGE}"
        )
    return robjects, robjects.r(_CALL)


def robjects() -> Any:
    """The ``rpy2.robjects`` module, with anomaliaR loadable."""
    return _session()[0]


def call(function: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``anomaliaR::<function>``; anomaliaR's errors become anomalia exceptions.

    Keyword arguments that are None are left out, so R uses its default.
    """
    module, wrapper = _session()
    target = module.r(f"anomaliaR::{function}")
    result = wrapper(target, *args, **{k: v for k, v in kwargs.items() if v is not None})
    fields = dict(zip(result.names, result, strict=True))
    if bool(fields["ok"][0]):
        return fields["value"]
    error_class = _ERRORS.get(str(fields["class"][0]), DataError)
    raise error_class(str(fields["message"][0]))
