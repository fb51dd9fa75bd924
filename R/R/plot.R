#' Publication figures of series, scores and detection quality
#'
#' ggplot2 figures in one house style (`theme_minimal()`, base size 11,
#' colour-blind-safe Okabe-Ito colours), ready for `ggplot2::ggsave()`:
#'
#' * `plot_series()`: one series' values, labelled anomaly windows shaded,
#'   flagged points marked;
#' * `plot_scores()`: its scores with the threshold;
#' * `plot_roc()` and `plot_pr()`: ROC and precision-recall curves of scores
#'   against labels, with the AUC (or average precision) in the title, the
#'   values of [evaluate_scores()].
#'
#' @param scores A scores table (`series_id`, `timestamp`, `score`,
#'   `threshold`, `is_anomaly`), e.g. from [read_scores()]; for `plot_roc()`
#'   and `plot_pr()`, a numeric vector of scores.
#' @param observations An observations table with the values (and `label`,
#'   when known), e.g. from [read_observations()]; `NULL` to plot scores only.
#' @param series The series to draw; by default the first.
#' @param column Value column to draw.
#' @return A ggplot object.
#' @examples
#' if (requireNamespace("ggplot2", quietly = TRUE)) {
#'   time <- as.POSIXct("2024-01-01", tz = "UTC") + 3600 * (0:199)
#'   value <- sin(2 * pi * (0:199) / 24)
#'   value[150] <- 4
#'   observations <- data.frame(series_id = "cpu", timestamp = time, value = value,
#'     label = as.integer(seq_along(value) %in% 148:152))
#'   score <- abs(value - sin(2 * pi * (0:199) / 24)) * 10 + 0.1
#'   scores <- data.frame(series_id = "cpu", timestamp = time, detector = "demo",
#'     score = score, threshold = 2, is_anomaly = score > 2)
#'   plot_series(scores, observations)
#'   plot_scores(scores)
#'   plot_roc(observations$label, score)
#'   plot_pr(observations$label, score)
#' }
#' @export
plot_series <- function(scores, observations, series = NULL, column = "value") {
  require_package("ggplot2", "figures")
  check_string(column)
  picked <- pick_series(scores, series)
  if (!column %in% names(observations)) {
    abort_data(sprintf("`observations` must have value column `%s`, not only %s.", column,
      paste(names(observations), collapse = ", ")))
  }
  frame <- observations[observations$series_id == picked$series, , drop = FALSE]
  frame$flagged <- frame$timestamp %in% picked$scores$timestamp[picked$scores$is_anomaly]
  frame$y <- frame[[column]]
  figure <- ggplot2::ggplot(frame, ggplot2::aes(.data$timestamp, .data$y))
  windows <- label_windows(frame)
  if (nrow(windows) > 0) {
    figure <- figure + ggplot2::geom_rect(
      data = windows, inherit.aes = FALSE, fill = okabe_ito[["orange"]], alpha = 0.25,
      ggplot2::aes(xmin = .data$start, xmax = .data$end, ymin = -Inf, ymax = Inf)
    )
  }
  figure +
    ggplot2::geom_line(colour = okabe_ito[["blue"]], linewidth = 0.4) +
    ggplot2::geom_point(
      data = frame[frame$flagged, , drop = FALSE], colour = okabe_ito[["vermillion"]], size = 1.6
    ) +
    ggplot2::labs(
      title = sprintf("%s: %s", picked$series, column), x = NULL, y = column,
      subtitle = "shaded: labelled anomalies; points: flagged"
    ) +
    house_theme()
}

#' @rdname plot_series
#' @export
plot_scores <- function(scores, series = NULL) {
  require_package("ggplot2", "figures")
  picked <- pick_series(scores, series)
  frame <- picked$scores
  ggplot2::ggplot(frame, ggplot2::aes(.data$timestamp, .data$score)) +
    ggplot2::geom_line(colour = okabe_ito[["blue"]], linewidth = 0.4) +
    ggplot2::geom_step(ggplot2::aes(y = .data$threshold),
      colour = okabe_ito[["vermillion"]], linetype = "dashed"
    ) +
    ggplot2::labs(
      title = sprintf("%s: %s score", picked$series, paste(unique(frame$detector), collapse = ", ")),
      subtitle = "dashed: threshold", x = NULL, y = "score"
    ) +
    house_theme()
}

#' @rdname plot_series
#' @param labels 0/1 ground truth, one per score.
#' @export
plot_roc <- function(labels, scores) {
  require_package("ggplot2", "figures")
  curve <- score_curve(labels, scores)
  auc <- roc_auc(curve$labels, scores)
  ggplot2::ggplot(curve$points, ggplot2::aes(.data$false_positive_rate, .data$recall)) +
    ggplot2::geom_abline(colour = "grey60", linetype = "dotted") +
    ggplot2::geom_step(colour = okabe_ito[["blue"]], direction = "vh") +
    ggplot2::coord_equal(xlim = c(0, 1), ylim = c(0, 1)) +
    ggplot2::labs(
      title = sprintf("ROC curve (AUC %.3f)", auc), x = "false positive rate",
      y = "true positive rate"
    ) +
    house_theme()
}

#' @rdname plot_series
#' @export
plot_pr <- function(labels, scores) {
  require_package("ggplot2", "figures")
  curve <- score_curve(labels, scores)
  average <- pr_auc(curve$labels, scores)
  points <- curve$points[curve$points$predicted > 0, , drop = FALSE]
  ggplot2::ggplot(points, ggplot2::aes(.data$recall, .data$precision)) +
    ggplot2::geom_step(colour = okabe_ito[["blue"]], direction = "vh") +
    ggplot2::geom_hline(yintercept = mean(curve$labels), colour = "grey60", linetype = "dotted") +
    ggplot2::coord_cartesian(xlim = c(0, 1), ylim = c(0, 1)) +
    ggplot2::labs(
      title = sprintf("Precision-recall curve (average precision %.3f)", average),
      subtitle = "dotted: share of labelled points", x = "recall", y = "precision"
    ) +
    house_theme()
}

okabe_ito <- c(blue = "#0072B2", orange = "#E69F00", vermillion = "#D55E00", green = "#009E73")

house_theme <- function() {
  ggplot2::theme_minimal(base_size = 11) +
    ggplot2::theme(
      plot.title = ggplot2::element_text(face = "bold"),
      panel.grid.minor = ggplot2::element_blank()
    )
}

pick_series <- function(scores, series, call = rlang::caller_env()) {
  needed <- c("series_id", "timestamp", "score", "threshold", "is_anomaly")
  missing <- setdiff(needed, names(scores))
  if (!is.data.frame(scores) || length(missing) > 0) {
    abort_data(sprintf("`scores` must be a scores table with column `%s`.", missing[[1]]), call = call)
  }
  series <- series %||% as.character(scores$series_id[[1]])
  check_string(series, call = call)
  rows <- scores[scores$series_id == series, , drop = FALSE]
  if (nrow(rows) == 0) {
    abort_data(sprintf("`scores` has no series `%s`; it has %s.", series,
      paste(utils::head(unique(scores$series_id), 10), collapse = ", ")), call = call)
  }
  list(series = series, scores = rows)
}

label_windows <- function(frame) {
  if (!"label" %in% names(frame)) {
    return(data.frame(start = numeric(0), end = numeric(0)))
  }
  labels <- as.integer(!is.na(frame$label) & frame$label == 1)
  runs <- label_runs(labels)
  data.frame(start = frame$timestamp[runs$starts + 1], end = frame$timestamp[runs$ends + 1])
}

# Recall, false positive rate and precision at every distinct score threshold.
score_curve <- function(labels, scores, call = rlang::caller_env()) {
  labels <- check_binary(labels, call = call)
  if (!is.numeric(scores) || length(scores) != length(labels) || any(!is.finite(scores))) {
    abort_data("`scores` must be finite numbers, one per label.", call = call)
  }
  order <- order(scores, decreasing = TRUE)
  ordered <- scores[order]
  last <- c(which(diff(ordered) != 0), length(ordered))
  true_positives <- c(0, cumsum(labels[order])[last])
  predicted <- c(0, last)
  positives <- max(sum(labels), 1)
  negatives <- max(length(labels) - sum(labels), 1)
  list(labels = labels, points = data.frame(
    predicted = predicted,
    recall = true_positives / positives,
    false_positive_rate = (predicted - true_positives) / negatives,
    precision = ifelse(predicted > 0, true_positives / pmax(predicted, 1), 1)
  ))
}
