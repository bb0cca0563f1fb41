# Golden values for prrt.analysis.decision_aid_calibration (calibration slope,
# calibration-in-the-large, Brier score).
#
# Written with: R version 4.2.2 Patched (2022-11-10 r83330), package stats 4.2.2
# (base R only; the JSON is written by hand with "%.17g").
# Rerun from the repository root:
#
#     Rscript tests/reference/calibration.R
#
# Reads calibration_fixture.csv beside this script (id, p, y: predicted probability and
# 0/1 outcome; synthetic, drawn once with numpy default_rng(20190101) and p rounded to 4
# decimals: well_calibrated y ~ Bernoulli(p); overfitted true logit 0.5 logit(p) - 0.3;
# small n = 25; six_patterns six distinct predictions, true logit 1.4 logit(p) + 0.4)
# and writes calibration.json beside it, per id (Steyerberg, Clinical Prediction Models,
# 2nd ed. 2019, ch. 15; Van Calster et al., BMC Med 2019;17:230):
#   slope      coefficient of lp = qlogis(p) in glm(y ~ lp, family = binomial)
#   intercept  intercept of glm(y ~ offset(lp), family = binomial) (calibration-in-the-large)
#   brier      mean((p - y)^2)
# glm.control(epsilon = 1e-14, maxit = 100): converged to the last digits, so that the
# comparison is with the maximum likelihood estimate, not with R's default stopping point
# (epsilon = 1e-8). `converged` is checked for every fit.

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

fixture <- read.csv(file.path(script_dir, "calibration_fixture.csv"),
                    colClasses = c("character", "numeric", "integer"))
control <- glm.control(epsilon = 1e-14, maxit = 100)
cases <- list()
for (id in unique(fixture$id)) {
  rows <- fixture[fixture$id == id, ]
  y <- rows$y
  lp <- qlogis(rows$p)
  slope_fit <- glm(y ~ lp, family = binomial, control = control)
  citl_fit <- glm(y ~ offset(lp), family = binomial, control = control)
  if (!slope_fit$converged || !citl_fit$converged) stop(paste("no convergence:", id))
  cases[[id]] <- object(c(
    n = sprintf("%d", length(y)),
    events = sprintf("%d", sum(y)),
    slope = num(unname(coef(slope_fit)["lp"])),
    intercept = num(unname(coef(citl_fit)[1])),
    brier = num(mean((rows$p - y)^2))
  ), 4)
}
header <- c(
  `_source` = str_json("tests/reference/calibration.R"),
  `_rerun` = str_json("Rscript tests/reference/calibration.R (from the repository root)"),
  r_version = str_json(R.version.string),
  stats_version = str_json(as.character(packageVersion("stats"))),
  cases = object(unlist(cases), 2)
)
writeLines(object(header, 0), file.path(script_dir, "calibration.json"))
