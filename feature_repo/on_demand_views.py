"""Features computed at request time from other features (plain pandas, unit-tested as such)."""

import pandas as pd
from feast import FeatureView, Field, OnDemandFeatureView
from feast.on_demand_feature_view import on_demand_feature_view
from feast.types import Float64

SCHEMA = [Field(name=name, dtype=Float64) for name in ("view_to_purchase_30d", "recent_view_share", "spend_per_purchase_30d")]


def user_intent_view(user_activity: FeatureView) -> OnDemandFeatureView:
    # Feast's decorator reads the function's source, then renames its module to __main__ (so dill pickles it by
    # value); a second declaration in the same process would look for the source in __main__
    user_intent.__module__ = __name__
    return on_demand_feature_view(sources=[user_activity], schema=SCHEMA)(user_intent)


def user_intent(features: pd.DataFrame) -> pd.DataFrame:
    """Conversion, momentum (share of the last 30 days' views made in the last 7) and basket size.

    Feast stores the function's source, not its module, so the import and the helper are inside it.
    On arrays, not Series: the serving API runs it for one user per request, where pandas' per-call
    cost would be most of the work.
    """
    import numpy as np

    def _ratio(numerator, denominator):  # NaN where the denominator is 0 or missing
        n, d = (s.to_numpy(dtype="float64", na_value=np.nan) for s in (numerator, denominator))
        return np.divide(n, d, out=np.full(len(d), np.nan), where=d > 0)

    return pd.DataFrame({
        "view_to_purchase_30d": _ratio(features["purchases_30d"], features["views_30d"]),
        "recent_view_share": _ratio(features["views_7d"], features["views_30d"]),
        "spend_per_purchase_30d": _ratio(features["spend_30d"], features["purchases_30d"]),
    }, index=features.index)
