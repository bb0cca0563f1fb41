# Golden values for prrt.analysis.proportions, .contingency and .rank_tests.
#
# Written with: R version 4.2.2 Patched (2022-11-10 r83330), package stats 4.2.2
# (base R only; jsonlite is not needed: the JSON is written by hand with "%.17g").
# Rerun from the repository root:
#
#     Rscript tests/reference/exact_tests.R
#
# Reads the synthetic fixtures beside this script and writes exact_tests.json beside it:
#   exact_tests_binomial.csv  id,k,n,p0,level  -> binom.test(k, n)$conf.int at `level`,
#                             binom.test(k, n, p0, alternative = "less")$p.value (p_less),
#                             "greater" (p_greater) and "two.sided" (p_two_sided)
#   exact_tests_mcnemar.csv   id,b,c           -> binom.test(b, b + c)$p.value (exact McNemar)
#   exact_tests_fisher.csv    id,nrow,ncol,cells (row-major) -> fisher.test(table)$p.value
#                             (exact FEXACT network algorithm for r x c, never simulated;
#                             workspace = 2e8 because the default 2e5 stops FEXACT with
#                             "error 7 ... LDSTP too small" on dense_3x4; the workspace
#                             decides whether FEXACT finishes, and moves the p-value only
#                             in its last one or two digits)
#   exact_tests_ranksum.csv   id,group,values  -> wilcox.test(x, y) with R's defaults
#                             (exact iff both n < 50 and no ties, else normal approximation
#                             with continuity and tie correction); "NA" marks a missing value.
# Where R stops with an error, the entry holds "r_error" instead of a p-value; where R
# returns NaN, the p-value is null. The large rank-sum samples were drawn once with numpy
# (seed 20240517) and rounded; the rest were designed by hand as edge cases.

script_dir <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg) == 1L) dirname(sub("^--file=", "", file_arg)) else "tests/reference"
})
fixture <- function(name) {
  read.csv(file.path(script_dir, name), colClasses = "character", strip.white = TRUE)
}

num <- function(v) {
  if (length(v) != 1L) stop("num() takes one value")
  if (is.na(v)) "null" else if (is.infinite(v)) stop("infinite value") else sprintf("%.17g", v)
}
str_json <- function(s) sprintf("\"%s\"", gsub("\"", "\\\\\"", gsub("\\\\", "\\\\\\\\", s)))
int_vector <- function(v) paste0("[", paste(sprintf("%d", v), collapse = ", "), "]")
object <- function(fields, indent) {
  pad <- strrep(" ", indent)
  paste0("{\n", paste0(pad, "  ", str_json(names(fields)), ": ", fields, collapse = ",\n"),
         "\n", pad, "}")
}
numbers <- function(s) {
  tokens <- strsplit(trimws(s), " +")[[1]]
  tokens[tokens == "NA"] <- NA_character_
  as.numeric(tokens)
}
p_or_error <- function(expr) {
  tryCatch(list(p = num(expr), error = NULL),
           error = function(e) list(p = "null", error = conditionMessage(e)))
}

binomial <- fixture("exact_tests_binomial.csv")
binomial_json <- list()
for (i in seq_len(nrow(binomial))) {
  row <- binomial[i, ]
  k <- as.integer(row$k); n <- as.integer(row$n)
  p0 <- as.numeric(row$p0); level <- as.numeric(row$level)
  ci <- binom.test(k, n, conf.level = level)$conf.int
  p_less <- binom.test(k, n, p0, alternative = "less")$p.value
  p_greater <- binom.test(k, n, p0, alternative = "greater")$p.value
  p_two_sided <- binom.test(k, n, p0, alternative = "two.sided")$p.value
  binomial_json[[row$id]] <- object(c(
    k = k, n = n, p0 = num(p0), level = num(level),
    ci_low = num(ci[1]), ci_high = num(ci[2]), p_less = num(p_less),
    p_greater = num(p_greater), p_two_sided = num(p_two_sided)), 4)
}

mcnemar <- fixture("exact_tests_mcnemar.csv")
mcnemar_json <- list()
for (i in seq_len(nrow(mcnemar))) {
  row <- mcnemar[i, ]
  b <- as.integer(row$b); c <- as.integer(row$c)
  mcnemar_json[[row$id]] <- object(c(
    b = b, c = c, p_value = num(binom.test(b, b + c)$p.value)), 4)
}

fisher <- fixture("exact_tests_fisher.csv")
fisher_json <- list()
for (i in seq_len(nrow(fisher))) {
  row <- fisher[i, ]
  table <- matrix(as.integer(numbers(row$cells)), nrow = as.integer(row$nrow), byrow = TRUE)
  result <- p_or_error(fisher.test(table, workspace = 2e8)$p.value)
  rows <- paste(apply(table, 1L, int_vector), collapse = ", ")
  fields <- c(table = paste0("[", rows, "]"), p_value = result$p)
  if (!is.null(result$error)) fields <- c(fields, r_error = str_json(result$error))
  fisher_json[[row$id]] <- object(fields, 4)
}

ranksum <- fixture("exact_tests_ranksum.csv")
ranksum_json <- list()
for (id in unique(ranksum$id)) {
  x <- numbers(ranksum$values[ranksum$id == id & ranksum$group == "x"])
  y <- numbers(ranksum$values[ranksum$id == id & ranksum$group == "y"])
  # R warns "cannot compute exact p-value with ties" when it falls back: expected here.
  test <- suppressWarnings(wilcox.test(x, y))
  ranksum_json[[id]] <- object(c(
    n_x = sum(!is.na(x)), n_y = sum(!is.na(y)),
    statistic_w = num(unname(test$statistic)),
    p_value = if (is.nan(test$p.value)) "null" else num(test$p.value),
    exact = if (grepl("exact", test$method)) "true" else "false",
    r_method = str_json(test$method)), 4)
}

section <- function(entries) {
  inner <- vapply(names(entries), function(id) entries[[id]], character(1L))
  paste0("{\n", paste0("    ", str_json(names(entries)), ": ", inner, collapse = ",\n"), "\n  }")
}
json <- object(c(
  `_source` = str_json("tests/reference/exact_tests.R"),
  `_rerun` = str_json("Rscript tests/reference/exact_tests.R (from the repository root)"),
  r_version = str_json(R.version.string),
  stats_version = str_json(as.character(packageVersion("stats"))),
  binomial = section(binomial_json),
  mcnemar = section(mcnemar_json),
  fisher = section(fisher_json),
  ranksum = section(ranksum_json)), 0)
writeLines(json, file.path(script_dir, "exact_tests.json"))
