#' anomaliaR: the R half of anomalia
#'
#' Reads and writes the anomalia data contract, imputes and transforms
#' series, detects anomalies with seasonal ARIMA and STL models, evaluates
#' scores with the same metrics as the Python package, draws publication
#' figures, tunes detectors with caret and serves trained models over HTTP.
#' The repository's `docs/r.md` is the guide.
#'
#' @keywords internal
#' @importFrom rlang %||% .data
#' @importFrom stats predict
"_PACKAGE"
