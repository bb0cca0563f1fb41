# Golden values for prrt.analysis.paired_response (paired response of two scopes).
#
# Written with: R version 4.2.2 Patched (2022-11-10 r83330), package stats 4.2.2
# (base R only; the JSON is written by hand with "%.17g").
# Rerun from the repository root:
#
#     Rscript tests/reference/paired_mcnemar.R
#
# Reads paired_mcnemar.csv beside this script (id, first, second, count: how many
# synthetic patients have best overall response `first` by the first scope, e.g. only the
# mesenteric mass, and `second` by the second, e.g. the other lesions; the counts were
# designed by hand, mesenluth_like after the 2/52 vs 4/52 responders of Al Mansour et al.,
# J Nucl Med 2024) and writes paired_mcnemar.json beside it:
#   table      table(first, second) with the levels CR, PR, SD, NON-CR/NON-PD, NED, PD,
#              NE, MISSING, keeping the levels any pair has (row-major, rows = first)
#   both, b, c, neither   responder (CR or PR) by both / first only / second only / none
#   p_value    binom.test(b, b + c)$p.value: the exact McNemar test (as
#              exact2x2::mcnemar.exact); null when b + c = 0 (binom.test stops)
#   first_*, second_*     responders and binom.test(k, n)$conf.int (Clopper-Pearson 95%)

script_dir <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg) == 1L) dirname(sub("^--file=", "", file_arg)) else "tests/reference"
})
num <- function(v) if (is.na(v)) "null" else sprintf("%.17g", v)
str_json <- function(s) sprintf("\"%s\"", s)
object <- function(fields, indent) {
  pad <- strrep(" ", indent)
  paste0("{\n", paste0(pad, "  ", str_json(names(fields)), ": ", fields, collapse = ",\n"),
         "\n", pad, "}")
}

levels_all <- c("CR", "PR", "SD", "NON-CR/NON-PD", "NED", "PD", "NE", "MISSING")
responder <- c("CR", "PR")
fixture <- read.csv(file.path(script_dir, "paired_mcnemar.csv"), colClasses = "character")
cases <- list()
for (id in unique(fixture$id)) {
  rows <- fixture[fixture$id == id, ]
  counts <- as.integer(rows$count)
  first <- rep(rows$first, counts)
  second <- rep(rows$second, counts)
  seen <- levels_all[levels_all %in% c(first, second)]
  tab <- table(factor(first, levels = seen), factor(second, levels = seen))
  yes1 <- first %in% responder
  yes2 <- second %in% responder
  b <- sum(yes1 & !yes2)
  c <- sum(!yes1 & yes2)
  p <- if (b + c > 0) binom.test(b, b + c)$p.value else NA
  n <- length(first)
  ci1 <- binom.test(sum(yes1), n)$conf.int
  ci2 <- binom.test(sum(yes2), n)$conf.int
  matrix_json <- paste0("[", paste(apply(tab, 1, function(r) {
    paste0("[", paste(sprintf("%d", as.integer(r)), collapse = ", "), "]")
  }), collapse = ", "), "]")
  cases[[id]] <- object(c(
    n = sprintf("%d", n),
    categories = paste0("[", paste(str_json(seen), collapse = ", "), "]"),
    table = matrix_json,
    both = sprintf("%d", sum(yes1 & yes2)),
    b = sprintf("%d", b),
    c = sprintf("%d", c),
    neither = sprintf("%d", sum(!yes1 & !yes2)),
    p_value = num(p),
    first_k = sprintf("%d", sum(yes1)),
    first_ci_low = num(ci1[1]),
    first_ci_high = num(ci1[2]),
    second_k = sprintf("%d", sum(yes2)),
    second_ci_low = num(ci2[1]),
    second_ci_high = num(ci2[2])
  ), 4)
}
header <- c(
  `_source` = str_json("tests/reference/paired_mcnemar.R"),
  `_rerun` = str_json("Rscript tests/reference/paired_mcnemar.R (from the repository root)"),
  r_version = str_json(R.version.string),
  stats_version = str_json(as.character(packageVersion("stats"))),
  cases = object(unlist(cases), 2)
)
writeLines(object(header, 0), file.path(script_dir, "paired_mcnemar.json"))
