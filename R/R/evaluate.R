#' Evaluate anomaly scores against labels
#'
#' The metrics of the Python package's `anomalia.metrics.evaluate()`, computed
#' the same way (the shared fixture `expected_metrics.json` holds both halves
#' to the same numbers):
#'
#' * from `flags`: point-wise `precision`, `recall`, `f1`; event-wise
#'   `event_precision`, `event_recall`, `event_f1` (an event is a run of 1s;
#'   a true event is found when a flag falls inside it, a flagged run is
#'   correct when it touches a true event); `point_adjusted_*` (every point
#'   of a found event counts as flagged); `mean_delay` (points from an event's
#'   start to its first flag, over found events), `n_events`,
#'   `n_missed_events`;
#' * from `scores`: `roc_auc`, `pr_auc` (average precision) and the NAB
#'   score under the `standard`, `reward_low_FP_rate` and
#'   `reward_low_FN_rate` profiles (`nab_standard`, `nab_reward_low_fp_rate`,
#'   `nab_reward_low_fn_rate`), with windows from the runs of `labels`, NAB's
#'   probationary period (15 % of the series, at most 750 points) and the
#'   threshold that maximises the raw score, as NAB does.
#'
#' Undefined values are `NaN`, as in Python: recall, F1, AUCs and NAB scores
#' without any positive label; `roc_auc` also when every point is labelled;
#' `mean_delay` when no event is found. The volume-under-surface metrics of
#' the Python side are not computed here.
#'
#' @param labels 0/1 ground truth, one per time step (logical or numeric).
#' @param scores Anomaly scores, higher meaning more anomalous, finite.
#' @param flags 0/1 predicted labels, e.g. `scores > threshold`.
#' @return A named numeric vector of 17 metrics.
#' @examples
#' labels <- c(0, 0, 1, 1, 0, 0, 0, 1, 0, 0)
#' scores <- c(0.1, 0.2, 0.9, 0.4, 0.3, 0.1, 0.2, 0.8, 0.1, 0.2)
#' evaluate_scores(labels, scores, scores > 0.5)
#' @export
evaluate_scores <- function(labels, scores, flags) {
  labels <- check_binary(labels)
  flags <- check_binary(flags)
  if (!is.numeric(scores) || any(!is.finite(scores))) {
    bad <- if (is.numeric(scores)) which(!is.finite(scores))[[1]] else NA
    abort_data(if (is.na(bad)) {
      sprintf("`scores` must be numbers, not %s.", class(scores)[[1]])
    } else {
      sprintf("`scores` must be finite, not %s at row %d.", format(scores[[bad]]), bad)
    })
  }
  lengths <- c(labels = length(labels), scores = length(scores), flags = length(flags))
  if (length(unique(lengths)) != 1) {
    abort_data(sprintf(
      "`labels`, `scores` and `flags` must have one length, not %s.",
      paste(names(lengths), lengths, sep = " ", collapse = ", ")
    ))
  }
  scores <- as.numeric(scores)
  point <- counts_to_prf(sum(labels & flags), sum(flags), sum(labels & flags), sum(labels))
  event <- event_prf(labels, flags)
  adjusted_flags <- point_adjust(labels, flags)
  adjusted <- counts_to_prf(
    sum(labels & adjusted_flags), sum(adjusted_flags), sum(labels & adjusted_flags), sum(labels)
  )
  delay <- detection_delay(labels, flags)
  nab <- nab_scores(scores, label_runs(labels), nab_probationary_period(length(scores)))
  c(
    precision = point[[1]], recall = point[[2]], f1 = point[[3]],
    event_precision = event[[1]], event_recall = event[[2]], event_f1 = event[[3]],
    point_adjusted_precision = adjusted[[1]], point_adjusted_recall = adjusted[[2]],
    point_adjusted_f1 = adjusted[[3]],
    mean_delay = delay[["mean_delay"]], n_events = delay[["n_events"]],
    n_missed_events = delay[["n_missed"]],
    roc_auc = roc_auc(labels, scores), pr_auc = pr_auc(labels, scores),
    nab_standard = nab[["standard"]], nab_reward_low_fp_rate = nab[["reward_low_FP_rate"]],
    nab_reward_low_fn_rate = nab[["reward_low_FN_rate"]]
  )
}

check_binary <- function(x, arg = rlang::caller_arg(x), call = rlang::caller_env()) {
  if (is.logical(x)) x <- as.integer(x)
  if (!is.numeric(x) || anyNA(x) || !all(x %in% c(0, 1))) {
    bad <- if (is.numeric(x)) which(is.na(x) | !x %in% c(0, 1))[[1]] else NA
    abort_data(if (is.na(bad)) {
      sprintf("`%s` must be 0/1 values, not %s.", arg, class(x)[[1]])
    } else {
      sprintf("`%s` must be 0/1 values, not %s at row %d.", arg, format(x[[bad]]), bad)
    }, call = call)
  }
  as.integer(x)
}

counts_to_prf <- function(correct, predicted, found, actual) {
  precision <- if (predicted > 0) correct / predicted else 0
  recall <- if (actual > 0) found / actual else NaN
  f1 <- if (is.nan(recall)) NaN else if (precision + recall == 0) 0 else
    2 * precision * recall / (precision + recall)
  c(precision, recall, f1)
}

# Runs of 1s as 0-based inclusive (start, end) pairs, as Python's runs().
label_runs <- function(labels) {
  changes <- diff(c(0L, labels, 0L))
  list(starts = which(changes == 1) - 1, ends = which(changes == -1) - 2)
}

# Whether each run [start, end] (0-based) holds a 1 of `other`.
runs_hit <- function(runs, other) {
  cumulative <- c(0, cumsum(other))
  cumulative[runs$ends + 2] - cumulative[runs$starts + 1] > 0
}

event_prf <- function(labels, flags) {
  true_runs <- label_runs(labels)
  flagged_runs <- label_runs(flags)
  counts_to_prf(
    sum(runs_hit(flagged_runs, labels)), length(flagged_runs$starts),
    sum(runs_hit(true_runs, flags)), length(true_runs$starts)
  )
}

point_adjust <- function(labels, flags) {
  runs <- label_runs(labels)
  found <- runs_hit(runs, flags)
  adjusted <- flags
  for (k in which(found)) adjusted[(runs$starts[[k]] + 1):(runs$ends[[k]] + 1)] <- 1L
  adjusted
}

detection_delay <- function(labels, flags) {
  runs <- label_runs(labels)
  flagged <- which(flags == 1) - 1
  delays <- vapply(seq_along(runs$starts), function(k) {
    first <- flagged[flagged >= runs$starts[[k]]]
    if (length(first) > 0 && first[[1]] <= runs$ends[[k]]) first[[1]] - runs$starts[[k]] else NA_real_
  }, numeric(1))
  detected <- sum(!is.na(delays))
  c(
    mean_delay = if (detected > 0) mean(delays, na.rm = TRUE) else NaN,
    n_events = length(runs$starts), n_missed = length(runs$starts) - detected
  )
}

# ROC AUC from average ranks (ties count half), as scikit-learn's roc_auc_score.
roc_auc <- function(labels, scores) {
  positives <- sum(labels)
  negatives <- length(labels) - positives
  if (positives == 0 || negatives == 0) {
    return(NaN)
  }
  ranks <- rank(scores, ties.method = "average")
  (sum(ranks[labels == 1]) - positives * (positives + 1) / 2) / (positives * negatives)
}

# Average precision over the distinct score thresholds, as scikit-learn's
# average_precision_score.
pr_auc <- function(labels, scores) {
  if (!any(labels == 1)) {
    return(NaN)
  }
  order <- order(scores, decreasing = TRUE)
  ordered <- scores[order]
  last <- c(which(diff(ordered) != 0), length(ordered))
  true_positives <- cumsum(labels[order])[last]
  precision <- true_positives / last
  recall <- true_positives / true_positives[[length(true_positives)]]
  sum(diff(c(0, recall)) * precision)
}

nab_probationary_period <- function(n) min(floor(0.15 * n), 750)

scaled_sigmoid <- function(position) {
  ifelse(position >= 3, -1, 2 / (1 + exp(5 * pmin(position, 3))) - 1)
}

nab_profiles <- list(
  standard = c(tp = 1, fn = 1, fp = 0.11),
  reward_low_FP_rate = c(tp = 1, fn = 1, fp = 0.22),
  reward_low_FN_rate = c(tp = 1, fn = 2, fp = 0.11)
)

# NAB's score of one series under each profile, at the threshold that
# maximises the raw score: each point that can change the score (a false
# alarm outside the windows, a new running maximum inside one) is a term, and
# the terms are swept from the highest score down.
nab_scores <- function(scores, windows, probation) {
  n <- length(scores)
  starts <- windows$starts
  ends <- windows$ends
  lengths <- ends - starts + 1
  inside <- logical(n)
  for (k in seq_along(starts)) inside[(starts[[k]] + 1):(ends[[k]] + 1)] <- TRUE
  outside <- !inside
  outside[seq_len(min(probation, n))] <- FALSE
  alarms <- which(outside) - 1
  alarm_cost <- rep(-1, length(alarms))
  preceding <- findInterval(alarms - 1, ends)
  has_preceding <- preceding > 0
  window <- preceding[has_preceding]
  after <- (alarms[has_preceding] - ends[window]) / pmax(lengths[window] - 1, 1)
  alarm_cost[has_preceding] <- scaled_sigmoid(after)
  index <- alarms
  tp <- numeric(length(alarms))
  fp <- alarm_cost
  found <- numeric(length(alarms))
  unreachable <- 0
  max_reward <- scaled_sigmoid(-1)
  for (k in seq_along(starts)) {
    first <- max(starts[[k]], probation)
    if (first > ends[[k]]) {
      unreachable <- unreachable + 1
      next
    }
    segment <- scores[(first + 1):(ends[[k]] + 1)]
    earlier_max <- c(-Inf, cummax(segment)[-length(segment)])
    records <- first + which(segment > earlier_max) - 1
    reward <- scaled_sigmoid(-(ends[[k]] - records + 1) / lengths[[k]]) / max_reward
    index <- c(index, records)
    tp <- c(tp, c(reward[-length(reward)] - reward[-1], reward[[length(reward)]]))
    fp <- c(fp, numeric(length(records)))
    found <- c(found, c(numeric(length(records) - 1), 1))
  }
  term_scores <- scores[index + 1]
  order <- order(-term_scores, method = "radix")
  ordered <- term_scores[order]
  last <- c(which(ordered[-1] != ordered[-length(ordered)]), length(ordered))
  cumulate <- function(values) c(0, cumsum(values[order])[last])
  if (length(ordered) == 0) {
    cumulate <- function(values) 0
  }
  total_tp <- cumulate(tp)
  total_fp <- cumulate(fp)
  total_found <- cumulate(found)
  n_windows <- length(starts)
  reachable <- n_windows - unreachable
  vapply(nab_profiles, function(weights) {
    gain <- weights[["tp"]] * total_tp + weights[["fn"]] * total_found + weights[["fp"]] * total_fp
    best <- which(gain >= max(gain) - 1e-9)[[1]]
    span <- weights[["tp"]] * n_windows + weights[["fn"]] * reachable
    if (span > 0) 100 * gain[[best]] / span else NaN
  }, numeric(1))
}
