"""Published models shared by the microsimulation tests (parameter values from the papers)."""

import math

import numpy as np

from decisionkit.models.simulation import Microsimulation

# Krijkamp EM, Alarid-Escudero F, Enns EA, Jalal HJ, Hunink MGM, Pechlivanoglou P.
# Microsimulation modeling for health decision sciences using R: a tutorial.
# Med Decis Making 2018;38(3):400-422 (Sick-Sicker model, Appendix A/C parameter values).
P_HD, P_HS1, P_S1H, P_S1S2 = 0.005, 0.15, 0.5, 0.105
RR_S1, RR_S2 = 3.0, 10.0
C_H, C_S1, C_S2, C_TRT = 2000.0, 4000.0, 15000.0, 12000.0
U_H, U_S1, U_S2, U_TRT = 1.0, 0.75, 0.5, 0.95
SS_CYCLES, SS_DISCOUNT = 30, 0.03


def sick_sicker_matrix() -> np.ndarray:
    """Krijkamp et al. (2018) transition matrix (H, S1, S2, D), rate ratios on r_HD."""
    r_hd = -math.log(1 - P_HD)
    p_s1d = 1 - math.exp(-RR_S1 * r_hd)
    p_s2d = 1 - math.exp(-RR_S2 * r_hd)
    return np.array(
        [
            [1 - P_HS1 - P_HD, P_HS1, 0.0, P_HD],
            [P_S1H, 1 - P_S1H - P_S1S2 - p_s1d, P_S1S2, p_s1d],
            [0.0, 0.0, 1 - p_s2d, p_s2d],
            [0.0, 0.0, 0.0, 1.0],
        ]
    )


SS_COSTS = {
    "No Treatment": [C_H, C_S1, C_S2, 0.0],
    "Treatment": [C_H, C_S1 + C_TRT, C_S2 + C_TRT, 0.0],
}
SS_UTILITIES = {"No Treatment": [U_H, U_S1, U_S2, 0.0], "Treatment": [U_H, U_TRT, U_S2, 0.0]}


def sick_sicker_kwargs(**overrides):
    """Krijkamp conventions: every time point 0..30 counted with weight 1, 3% discounting."""
    kwargs = {
        "strategies": ["No Treatment", "Treatment"],
        "transition": sick_sicker_matrix(),
        "state_costs": SS_COSTS,
        "state_utilities": SS_UTILITIES,
        "n_cycles": SS_CYCLES,
        "discount_cost": SS_DISCOUNT,
        "discount_effect": SS_DISCOUNT,
        "within_cycle": np.ones(SS_CYCLES + 1),
        "dead": "D",
    }
    kwargs.update(overrides)
    return kwargs


def sick_sicker_microsimulation() -> Microsimulation:
    return Microsimulation(["H", "S1", "S2", "D"], **sick_sicker_kwargs())


# Briggs A, Claxton K, Sculpher M. Decision Modelling for Health Economic Evaluation.
# Oxford University Press 2006, Example 2.5 (Chancellor et al. 1997 HIV model): transition
# counts, annual costs, lamivudine for the first two years, relative risk 0.509.
HIV_COUNTS = np.array(
    [[1251, 350, 116, 17], [0, 731, 512, 15], [0, 0, 1312, 437], [0, 0, 0, 1]], dtype=float
)
HIV_MONO = HIV_COUNTS / HIV_COUNTS.sum(axis=1, keepdims=True)
HIV_RR, HIV_COST_LAMI, HIV_COST_ZIDO = 0.509, 2086.5, 2278.0
HIV_COST_HEALTH = np.array([2756.0, 3052.0, 9007.0, 0.0])
HIV_CYCLES, HIV_DISCOUNT_COST = 20, 0.06
# Published totals (Briggs et al. 2006, reproduced exactly by heemod's test "exactly match
# HIV model"): discounted costs and undiscounted life years.
HIV_COST = {"mono": 44_663.45, "comb": 50_601.65}
HIV_LY = {"mono": 7.99121, "comb": 8.93739}


def hiv_comb_matrix(model_time: int) -> np.ndarray:
    """Combination therapy: off-diagonals of mono times rr(t) (t <= 2), diagonal the complement."""
    rr = HIV_RR if model_time <= 2 else 1.0
    p = HIV_MONO * rr
    p[3] = [0, 0, 0, 1]
    np.fill_diagonal(p, 0.0)
    np.fill_diagonal(p, 1 - p.sum(axis=1))
    return p
