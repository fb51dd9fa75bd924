# The repository root: the R package lives in <root>/R, its tests in
# <root>/R/tests/testthat. ANOMALIA_ROOT overrides it (e.g. for R CMD check).
repo_root <- function() {
  root <- Sys.getenv("ANOMALIA_ROOT", "")
  if (nzchar(root)) {
    return(normalizePath(root))
  }
  normalizePath(file.path(testthat::test_path(), "..", "..", ".."))
}

fixtures_dir <- function() {
  file.path(repo_root(), "python", "anomalia", "contract", "fixtures")
}

skip_without_python <- function() {
  # The contract tests need the project's Python (pyarrow + anomalia); the
  # Makefile sets RETICULATE_PYTHON, so under `make test` this never skips.
  if (!nzchar(Sys.getenv("RETICULATE_PYTHON"))) {
    testthat::skip("RETICULATE_PYTHON is not set; run through `make test`")
  }
}

noisy_sine <- function(n = 600, period = 24, seed = 1, spikes = integer()) {
  set.seed(seed)
  x <- sin(2 * pi * seq_len(n) / period) + 0.3 * stats::rnorm(n)
  x[spikes] <- x[spikes] + 6
  x
}

# Without TZ, lubridate (loaded by caret) asks timedatectl, which containers
# lack, and warns; the tests' timestamps are UTC anyway.
if (!nzchar(Sys.getenv("TZ"))) Sys.setenv(TZ = "UTC")
