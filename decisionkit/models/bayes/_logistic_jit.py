"""Compiled linear predictor of :class:`BayesianLogisticRisk` (numba), imported on first use.

Written by hand because the product of (draws x features) coefficients with (features x
patients) predictors has only a handful of features: BLAS is slow at so thin a product
(about 2.4 us per patient at 500 draws x 5 features, against 1 us here), and its summation
order may depend on the block of patients, whereas this loop sums features in a fixed order
so each patient's risk never depends on which patients share its block.
"""

from __future__ import annotations

import numba

jit = numba.njit(cache=True, nogil=True)


@jit
def linear_predictor(neg_b0, neg_beta, xt, out):
    """``out[d, i] = -(b0[d] + sum_j beta[d, j] x[i, j])``, features summed in a fixed order.

    ``xt`` is (feature, unit). Each patient's value depends only on its own row, never on
    which patients share its block (a BLAS product may sum in a block-dependent order).
    """
    n_draws, n_feat = neg_beta.shape
    n_units = xt.shape[1]
    for d in range(n_draws):
        b0 = neg_b0[d]
        for i in range(n_units):
            out[d, i] = b0
        for j in range(n_feat):
            bj = neg_beta[d, j]
            for i in range(n_units):
                out[d, i] += bj * xt[j, i]
