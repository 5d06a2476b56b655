"""The engine's numerical tolerances, named once, each with what it protects.

None of them is a modelling choice: each keeps floating-point rounding from changing a decision that exact
arithmetic would make (a tie, a whole count, a converged search) or keeps a division away from zero.
"""

from __future__ import annotations

# Relative slack when comparing two costs or a cumulative weight with its threshold: values equal up to
# rounding of sums count as equal, so a tie is broken the documented way (the smaller commitment, the
# plan already cheapest) instead of by the last bits of a sum.
RELATIVE_TIE = 1e-9
# Added before flooring a product that is a whole number in exact arithmetic (a probability limit times
# the number of trials): 0.05 x 20,000 may round to 999.999..., which must still allow 1,000 trials.
WHOLE_COUNT_ROUNDING = 1e-9
# A search sweep that lowers the expected cost by less than this relative amount has converged: a smaller
# gain is within rounding of the sum over trials, and another sweep would only chase it.
RELATIVE_IMPROVEMENT = 1e-12
# Shares given by the user (a model mix, cache hits + writes) must sum to 1 (or stay <= 1) up to this:
# float rounding of decimal input, not a real excess.
SHARE_SUM_TOLERANCE = 1e-9
# Below this a standard deviation is treated as 0 (nothing random left): dividing by it would overflow.
NEGLIGIBLE_SD = 1e-12
# Floor on a standard deviation used as a divisor in the partial moments of a lognormal.
MIN_DIVISOR_SD = 1e-9
# Floor on a relative variance raised to the power 1.5 as a divisor (the skewness of a factor).
MIN_DIVISOR_VARIANCE = 1e-12
# Floor on a sum of money used as a divisor (a ratio of two spends, a share of a tail's spend): a zero
# spend then gives a zero share instead of a division by zero.
MIN_DIVISOR_USD = 1e-12
