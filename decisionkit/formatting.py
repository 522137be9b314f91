"""Numbers for people: the formatting the dashboard, result summaries and examples share.

Thousands separators, a few significant digits and never scientific notation; money in one
currency with large amounts in words ("£263 million"); percentages that do not round a small
probability to 0%; "—" for what does not apply. Use it to print results in your own scripts
the way decisionkit's dashboard shows them::

    from decisionkit import formatting as fmt
    print(f"Population EVPI: {fmt.money(262_960_306, '£')}")  # Population EVPI: £263 million
"""

from decisionkit._format import NA, count, fixed, money, money_unit, number, percent, table

__all__ = ["NA", "count", "fixed", "money", "money_unit", "number", "percent", "table"]
