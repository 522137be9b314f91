"""Matplotlib plots. Each function takes a result object, ``ax=None``, returns the Axes and
never calls ``plt.show()``.
"""

__all__: list[str] = []
