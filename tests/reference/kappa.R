# Golden values for prrt.analysis.agreement.cohen_kappa (Cohen's kappa of two readers).
#
# Written with: R version 4.2.2 Patched (2022-11-10 r83330), package stats 4.2.2
# (base R only: irr, psych and vcd are not installed, so kappa and its standard error are
# computed from their published formulas; the JSON is written by hand with "%.17g").
# Rerun from the repository root:
#
#     Rscript tests/reference/kappa.R
#
# Reads kappa_tables.csv beside this script (id, first, second, count: how many synthetic
# items the first reader rated `first` and the second `second`; designed by hand:
# three_categories after the 100-patient diagnostic example layout of Fleiss, Cohen and
# Everitt 1969, visits as per-visit RECIST responses, perfect, negative and
# upper_truncated for the edge cases, reader_section_visits the per-visit table of the
# report test tests/report/test_sections_readers.py) and writes kappa.json beside it,
# per id:
#   n                     items
#   observed, expected    p_o = sum p_ii and p_e = sum p_i. p_.i
#   kappa                 (p_o - p_e) / (1 - p_e)                      (Cohen 1960)
#   se                    sqrt of the asymptotic variance of Fleiss, Cohen and Everitt
#                         (Psychol Bull 1969;72:323-327, eq. 13):
#                         [sum_i p_ii (1 - (p_i. + p_.i)(1 - k))^2
#                          + (1 - k)^2 sum_(i != j) p_ij (p_.i + p_j.)^2
#                          - (k - p_e (1 - k))^2] / (n (1 - p_e)^2)
#   ci_low, ci_high       k -/+ qnorm(0.975) se, truncated to [-1, 1] (docs/decisions.md, D114)

script_dir <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg) == 1L) dirname(sub("^--file=", "", file_arg)) else "tests/reference"
})
num <- function(v) if (is.na(v)) "null" else sprintf("%.17g", v)

levels_all <- c("CR", "PR", "SD", "NON-CR/NON-PD", "NED", "PD", "NE", "A", "B", "C")
rows <- read.csv(file.path(script_dir, "kappa_tables.csv"), stringsAsFactors = FALSE,
                 check.names = FALSE)

kappa_of <- function(d) {
  used <- levels_all[levels_all %in% c(d$first, d$second)]
  m <- matrix(0, length(used), length(used), dimnames = list(used, used))
  for (r in seq_len(nrow(d))) m[d$first[r], d$second[r]] <- m[d$first[r], d$second[r]] + d$count[r]
  n <- sum(m)
  p <- m / n
  pr <- rowSums(p)
  pc <- colSums(p)
  po <- sum(diag(p))
  pe <- sum(pr * pc)
  k <- (po - pe) / (1 - pe)
  diagonal <- sum(diag(p) * (1 - (pr + pc) * (1 - k))^2)
  off <- 0
  for (i in seq_along(used)) for (j in seq_along(used)) {
    if (i != j) off <- off + p[i, j] * (pc[i] + pr[j])^2
  }
  variance <- (diagonal + (1 - k)^2 * off - (k - pe * (1 - k))^2) / (n * (1 - pe)^2)
  se <- sqrt(max(variance, 0))
  z <- qnorm(0.975)
  c(n = n, observed = po, expected = pe, kappa = k, se = se,
    ci_low = max(-1, k - z * se), ci_high = min(1, k + z * se))
}

ids <- unique(rows$id)
entries <- vapply(ids, function(id) {
  v <- kappa_of(rows[rows$id == id, ])
  fields <- paste0("    \"", names(v), "\": ", vapply(v, num, ""), collapse = ",\n")
  paste0("  \"", id, "\": {\n", fields, "\n  }")
}, "")
writeLines(paste0("{\n", paste(entries, collapse = ",\n"), "\n}"),
           file.path(script_dir, "kappa.json"))
