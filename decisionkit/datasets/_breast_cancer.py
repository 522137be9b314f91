"""The Wisconsin diagnostic breast cancer data, as shipped with scikit-learn."""

from __future__ import annotations

import pandas as pd


def _column_name(sklearn_name: str) -> str:
    """'mean concave points' -> 'mean_concave_points'; 'radius error' -> 'radius_se'."""
    name = sklearn_name.replace(" ", "_")
    return name[: -len("_error")] + "_se" if name.endswith("_error") else name


def load_breast_cancer() -> pd.DataFrame:
    r"""Breast cancer Wisconsin (diagnostic) data: 569 fine-needle aspirates, 212 malignant.

    Real public data (Street, Wolberg and Mangasarian 1993; UCI Machine Learning
    Repository), read from the copy that ships with scikit-learn
    (:func:`sklearn.datasets.load_breast_cancer`), so nothing is downloaded.

    Returns
    -------
    pandas.DataFrame
        569 rows, one per breast mass sampled by fine-needle aspiration (FNA), and 31
        columns. Thirty float64 features describe the cell nuclei seen in the digitised
        image of the aspirate. For each of ten nuclear measurements, ``radius``,
        ``texture``, ``perimeter``, ``area``, ``smoothness``, ``compactness``,
        ``concavity``, ``concave_points``, ``symmetry`` and ``fractal_dimension``, there are
        three columns:

        ``mean_<feature>``
            Mean over the nuclei in the image.
        ``<feature>_se``
            Its standard error (scikit-learn calls it ``"<feature> error"``).
        ``worst_<feature>``
            Mean of the three largest values ("worst" nuclei).

        Radius and perimeter are in image units (the source gives no physical scale), area
        in squared image units, the other measurements are dimensionless.

        ``malignant`` (int64, 0/1)
            The diagnosis: 1 = malignant (212 rows), 0 = benign (357 rows). Note that
            scikit-learn's ``target`` is the other way round (1 = benign); here
            ``malignant = 1 - target``, so that the event of interest is coded 1.

    References
    ----------
    Street WN, Wolberg WH, Mangasarian OL. Nuclear feature extraction for breast tumor
    diagnosis. IS&T/SPIE 1993 International Symposium on Electronic Imaging: Science and
    Technology, volume 1905, 861-870.

    Examples
    --------
    >>> from decisionkit.datasets import load_breast_cancer
    >>> df = load_breast_cancer()
    >>> df.shape, int(df["malignant"].sum())
    ((569, 31), 212)
    """
    from sklearn import datasets as sk_datasets

    bunch = sk_datasets.load_breast_cancer(as_frame=True)
    X = bunch.data.rename(columns=_column_name)
    return X.astype("float64").assign(malignant=(1 - bunch.target).astype("int64"))
