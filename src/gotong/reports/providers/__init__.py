"""The report sections of the capacity and governance domains: maturity, training, drills, norms,
the taskforce and budgets. Each module is one section provider that reads only through its domain's
public verbs, as the report's reader (and so as its audience: a report made for TLP:CLEAR reads with
that ceiling, which the sharing policy applies inside every verb). Importing this package registers
them with :func:`gotong.reports.sections.register_section`.
"""

from gotong.reports.providers import budgets, drills, maturity, norms, taskforce, training
from gotong.reports.sections import ReportSection, register_section

for _section in (
    ReportSection("maturity", "Maturity of the national teams", 60, maturity.section),
    ReportSection("training", "Compulsory training", 70, training.section),
    ReportSection("drills", "Regional drills", 80, drills.section),
    ReportSection("norms", "Implementation of the norms", 90, norms.section),
    ReportSection("taskforce", "Taskforce decisions and measures", 100, taskforce.section),
    ReportSection("budgets", "Budgets against the mandate", 110, budgets.section),
):
    register_section(_section)
